// The emulator's log: what Yate would print (Debug/Output/Alarm, and a script's stderr, which Yate
// does not redirect: the script inherits Yate's stderr). Kept as an array tests can search and wait on.

/** Yate's debug levels (yateclass.h). */
export const DebugLevel = {
  Fail: 0, Test: 1, GoOn: 2, Conf: 3, Stub: 4, Warn: 5, Mild: 6, Note: 7, Call: 8, Info: 9, All: 10,
} as const;

const LEVEL_NAMES = ['FAIL', 'TEST', 'CRIT', 'CONF', 'STUB', 'WARN', 'MILD', 'NOTE', 'CALL', 'INFO', 'ALL'];

export interface LogEntry {
  /** ms since the epoch */
  readonly at: number;
  /** Yate debug level; null for Output() lines and stderr text, which carry none. */
  readonly level: number | null;
  /** Who logged: "ExtModule", "ExtModReceiver", "regfile", "output", "stderr", ... */
  readonly component: string;
  readonly text: string;
  /** The line as Yate prints it: `<component:LEVEL> text`, or the bare text for Output/stderr. */
  readonly line: string;
}

type Waiter = { re: RegExp; resolve: (e: LogEntry) => void };

export class EmuLog {
  readonly entries: LogEntry[] = [];
  private waiters = new Set<Waiter>();

  constructor(private readonly echo = false) {}

  /** Debug(component, level, text). */
  debug(component: string, level: number, text: string): LogEntry {
    const name = LEVEL_NAMES[level] ?? `LEVEL${level}`;
    return this.push(level, component, text, component ? `<${component}:${name}> ${text}` : `<${name}> ${text}`);
  }

  /** Output(text): no level, no prefix. */
  output(text: string, component = 'output'): LogEntry {
    return this.push(null, component, text, text);
  }

  warn(component: string, text: string): LogEntry {
    return this.debug(component, DebugLevel.Warn, text);
  }

  /** Lines (as printed) matching a regex. */
  grep(re: RegExp): LogEntry[] {
    return this.entries.filter((e) => re.test(e.line));
  }

  /** Resolve with the first entry (already logged or future) whose printed line matches. */
  waitForLog(re: RegExp, ms = 5000): Promise<LogEntry> {
    const found = this.entries.find((e) => re.test(e.line));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w: Waiter = { re, resolve: (e) => { clearTimeout(timer); resolve(e); } };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        const tail = this.entries.slice(-20).map((e) => '  ' + e.line).join('\n');
        reject(new Error(`no log line matched ${re} within ${ms} ms; last lines:\n${tail}`));
      }, ms);
      this.waiters.add(w);
    });
  }

  private push(level: number | null, component: string, text: string, line: string): LogEntry {
    const e: LogEntry = { at: Date.now(), level, component, text, line };
    this.entries.push(e);
    if (this.echo) process.stderr.write(`[yate-emu] ${line}\n`);
    for (const w of this.waiters) {
      if (!w.re.test(line)) continue;
      this.waiters.delete(w);
      w.resolve(e);
    }
    return e;
  }
}
