// Bookkeeping for assertExactlyOnce(): every `%%>message` the engine sent to a module with an id
// must get exactly one answer, in time. Yate itself only logs "Unmatched message" for a second or
// late answer; the ledger remembers which id it was so a test can fail with the offending lines.

export type SentStatus =
  /** sent, no answer yet */
  | 'pending'
  /** answered once, in time */
  | 'answered'
  /** no answer within the timeout: Yate went on as not processed */
  | 'timedout'
  /** answered after the timeout (Yate logged "Unmatched message") */
  | 'late'
  /** the module died or was closed before answering: Yate released it as not processed */
  | 'released'
  /** answered more than once */
  | 'duplicate';

export interface SentRecord {
  readonly id: string;
  readonly name: string;
  /** The `%%>message` line as written. */
  readonly line: string;
  status: SentStatus;
  /** Every answer line the module wrote for this id. */
  readonly answers: string[];
}

export class Ledger {
  readonly sent = new Map<string, SentRecord>();
  /** Answers whose id was never sent to this module. */
  readonly unknown: string[] = [];

  record(id: string, name: string, line: string): void {
    this.sent.set(id, { id, name, line, status: 'pending', answers: [] });
  }

  /** An answer line for `id` that Yate matched to a waiting message. */
  answered(id: string, line: string): void {
    const r = this.sent.get(id);
    if (!r) return;
    r.answers.push(line);
    r.status = 'answered';
  }

  /** An answer line Yate could not match ("Unmatched message"): classify it. */
  unmatched(id: string | null, line: string): void {
    const r = id === null ? undefined : this.sent.get(id);
    if (!r) { this.unknown.push(line); return; }
    r.answers.push(line);
    if (r.status === 'timedout' || r.status === 'late') r.status = 'late';
    else if (r.status === 'answered' || r.status === 'duplicate') r.status = 'duplicate';
    else this.unknown.push(line); // pending but unparsable answer: Yate did not take it either
  }

  set(id: string, status: SentStatus): void {
    const r = this.sent.get(id);
    if (r) r.status = status;
  }

  /** Human-readable problems, grouped; empty when every message got exactly one timely answer. */
  problems(label: string): string[] {
    const groups: Record<string, string[]> = {};
    for (const r of this.sent.values()) {
      if (r.status === 'answered') continue;
      const what = {
        pending: 'never answered (still pending)',
        timedout: 'never answered (timed out)',
        released: 'never answered (module closed first)',
        late: 'answered LATE, after the timeout',
        duplicate: 'answered more than once',
      }[r.status];
      (groups[what] ??= []).push(`    E: ${r.line}` + r.answers.map((a) => `\n      A: ${a}`).join(''));
    }
    if (this.unknown.length) groups['answers matching no message sent'] = this.unknown.map((a) => `    A: ${a}`);
    return Object.entries(groups).map(([what, lines]) => `  ${label}: ${what}:\n${lines.join('\n')}`);
  }
}
