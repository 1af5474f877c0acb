// Fuzz (issue 21): SUBSCRIBE and PUBLISH as sequences, model-based (fast-check's fc.commands):
// random runs of new subscriptions, refreshes, unsubscribes, fetches, publications, their
// refreshes and removals, registrations, through the emulated ysipchan to the REAL module. A
// model predicts every answer (200, 403, 412, 423, 481, 503), and after each step the module
// holds exactly the model's subscriptions; at the end every NOTIFY belongs to a dialog the run
// opened, in rising CSeq order. FUZZ_PRESENCE sets the number of runs (`npm run fuzz`: 1000),
// FUZZ_SEED replays one. One lab serves every run: each run ends every subscription and
// publication it made, and checks that the one before it left none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { startLab, type Lab } from '../src/demo/lab.js';
import type { SipRequest } from '../src/emulator/index.js';

const RUNS = Number(process.env['FUZZ_PRESENCE'] ?? 25);
const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed);

const LIMITS = { maxPerWatcher: 3, maxSubscriptions: 5, minExpires: 60, maxPublishExpires: 1800 };
const WATCHERS = ['w0', 'w1', 'w2', 'w3'] as const;
const PRESENTITIES = ['alice', 'bob', 'private', 'blocked'] as const;
const PIDF = (basic: string) => `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:x@127.0.0.1"><tuple id="t"><status><basic>${basic}</basic></status></tuple></presence>`;

interface Dialog { readonly callId: string; readonly fromTag: string; readonly toTag: string; readonly watcher: string; readonly presentity: string; live: boolean }
interface Model {
  run: number;
  seq: number;
  readonly dialogs: Dialog[];
  /** user -> its live publications, oldest first: one per device (a new PUBLISH without
   *  SIP-If-Match replaces its device's), the device being the port it was sent from. */
  readonly etags: Map<string, { etag: string; device: number }[]>;
  /** Every etag ever given (to refresh one that is gone: 412). */
  readonly spent: string[];
  readonly codes: Map<number, number>;
}
interface Real { readonly lab: Lab }

const liveOf = (m: Model) => m.dialogs.filter((d) => d.live);
const count = (m: Model, code: number) => void m.codes.set(code, (m.codes.get(code) ?? 0) + 1);

async function subscribeAt(lab: Lab, o: { caller: string; called: string; callid: string; fromTag: string; toTag?: string; expires?: number }) {
  const code = await lab.sip.receiveSubscribe({ ...o, contact: `sip:${o.caller}@127.0.0.1:5090` });
  const rec = lab.sip.incoming.at(-1)!;
  return { code, dlgtag: rec.message.getParam('xsip_dlgtag') ?? '' };
}

async function checkHeld(m: Model, r: Real): Promise<void> {
  const status = await r.lab.emu.rmanager.status('yate-chat');
  const held = Number(/subscriptions=(\d+)/.exec(status)?.[1]);
  assert.equal(held, liveOf(m).length, 'subscriptions held');
}

/** A new subscription (a new dialog), or a fetch with Expires 0. */
class Subscribe implements fc.AsyncCommand<Model, Real> {
  constructor(readonly watcher: string, readonly presentity: string, readonly expires: number | undefined) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const w = this.watcher;
    const p = this.presentity;
    const n = ++m.seq;
    const callId = `fz-${m.run}-${n}@h`;
    const fromTag = `f${n}`;
    const { code, dlgtag } = await subscribeAt(r.lab, { caller: w, called: p, callid: callId, fromTag, ...(this.expires === undefined ? {} : { expires: this.expires }) });
    count(m, code);
    const live = liveOf(m);
    let expected = 200;
    if (this.expires !== undefined && this.expires > 0 && this.expires < LIMITS.minExpires) expected = 423;
    else if (this.presentity === 'blocked') expected = 403;
    else if (this.presentity === 'private' && this.watcher !== 'w0') expected = 403;
    else if (this.expires !== 0 && live.filter((d) => d.watcher === w).length >= LIMITS.maxPerWatcher) expected = 403;
    else if (this.expires !== 0 && live.length >= LIMITS.maxSubscriptions) expected = 503;
    assert.equal(code, expected, this.toString());
    if (code === 200 && this.expires !== 0) m.dialogs.push({ callId, fromTag, toTag: dlgtag, watcher: w, presentity: p, live: true });
    await checkHeld(m, r);
  }
  toString = () => `Subscribe(${this.watcher} -> ${this.presentity}, ${this.expires ?? 'no Expires'})`;
}

/** `k` new SUBSCRIBEs from one watcher at once (issue 21: the limits were raced past): exactly
 *  as many kept as the limits leave room for, the others refused with 403 or 503. */
class Burst implements fc.AsyncCommand<Model, Real> {
  constructor(readonly watcher: string, readonly k: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const w = this.watcher;
    const asks = Array.from({ length: this.k }, () => {
      const n = ++m.seq;
      return { caller: w, called: 'alice', callid: `fz-${m.run}-${n}@h`, fromTag: `f${n}`, expires: 600 };
    });
    const answers = await Promise.all(asks.map((a) => subscribeAt(r.lab, a)));
    const live = liveOf(m);
    const room = Math.max(0, Math.min(this.k, LIMITS.maxPerWatcher - live.filter((d) => d.watcher === w).length, LIMITS.maxSubscriptions - live.length));
    const codes = answers.map((a) => a.code);
    for (const c of codes) count(m, c);
    assert.equal(codes.filter((c) => c === 200).length, room, `${this.toString()}: ${codes.join(' ')}`);
    assert.deepEqual(codes.filter((c) => c !== 200 && c !== 403 && c !== 503), []);
    // Which ones won the race is not the model's to say: the dialog tags come from the answers.
    const dlgtags = new Map(r.lab.sip.incoming.slice(-this.k).map((rec) => [rec.message.getParam('sip_callid'), rec.message.getParam('xsip_dlgtag') ?? '']));
    asks.forEach((a, i) => {
      if (answers[i]!.code === 200) m.dialogs.push({ callId: a.callid, fromTag: a.fromTag, toTag: dlgtags.get(a.callid) ?? '', watcher: w, presentity: 'alice', live: true });
    });
    await checkHeld(m, r);
  }
  toString = () => `Burst(${this.watcher}, ${this.k})`;
}

/** A SUBSCRIBE inside a dialog the run opened: a refresh, or Expires 0 (an unsubscribe). */
class InDialog implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number, readonly expires: number) {}
  check = (m: Readonly<Model>) => m.dialogs.length > 0;
  async run(m: Model, r: Real): Promise<void> {
    const d = m.dialogs[this.pick % m.dialogs.length]!;
    const { code } = await subscribeAt(r.lab, { caller: d.watcher, called: d.presentity, callid: d.callId, fromTag: d.fromTag, toTag: d.toTag, expires: this.expires });
    count(m, code);
    const expected = !d.live ? 481 : this.expires > 0 && this.expires < LIMITS.minExpires ? 423 : 200;
    assert.equal(code, expected, `${this.toString()} on a ${d.live ? 'live' : 'ended'} dialog`);
    if (code === 200 && this.expires === 0) d.live = false;
    await checkHeld(m, r);
  }
  toString = () => `InDialog(#${this.pick}, ${this.expires})`;
}

/** A PUBLISH with a body from one of two devices (a new publication, replacing that device's),
 *  or, with `refresh`, a body-less refresh or removal of a publication the run was given. */
class Publish implements fc.AsyncCommand<Model, Real> {
  constructor(readonly user: string, readonly expires: number | undefined, readonly refresh: number | null, readonly device: number) {}
  check = (m: Readonly<Model>) => this.refresh === null || m.spent.length > 0;
  async run(m: Model, r: Real): Promise<void> {
    const u = this.user;
    const mine = m.etags.get(u) ?? [];
    const etag = this.refresh === null ? null : m.spent[this.refresh % m.spent.length]!;
    const headers: [string, string][] = [['event', 'presence']];
    if (etag !== null) headers.push(['sip-if-match', etag]);
    if (this.expires !== undefined) headers.push(['expires', String(this.expires)]);
    const code = await r.lab.sip.receivePublish({ caller: u, called: u, headers, port: this.device, ...(etag === null ? { type: 'application/pidf+xml', body: PIDF(this.expires === 0 ? 'closed' : 'open') } : {}) });
    count(m, code);
    const answer = new Map(r.lab.sip.incoming.at(-1)!.answerHeaders.map(([h, v]) => [h, v]));
    const matched = etag === null ? undefined : mine.find((p) => p.etag === etag);
    if (etag !== null && !matched) {
      assert.equal(code, 412, this.toString());
      return;
    }
    assert.equal(code, 200, this.toString());
    const granted = Number(answer.get('Expires'));
    assert.ok(granted >= 0 && granted <= LIMITS.maxPublishExpires, `Expires ${answer.get('Expires')}`);
    // A refresh keeps its publication's device; a new one replaces its device's; Expires 0 without a tag removes all.
    const device = matched ? matched.device : this.device;
    const kept = etag === null ? (this.expires === 0 ? [] : mine.filter((p) => p.device !== device)) : mine.filter((p) => p.etag !== etag);
    if (this.expires !== 0) {
      const next = answer.get('SIP-ETag')!;
      assert.ok(next, 'a SIP-ETag');
      kept.push({ etag: next, device });
      m.spent.push(next);
    }
    m.etags.set(u, kept);
  }
  toString = () => `Publish(${this.user}, ${this.expires ?? 'no Expires'}${this.refresh === null ? `, from port ${this.device}` : `, refresh #${this.refresh}`})`;
}

class Register implements fc.AsyncCommand<Model, Real> {
  constructor(readonly user: string, readonly on: boolean) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const u = this.user;
    assert.equal(await r.lab.sip.receiveRegister({ user: u, contact: `sip:${u}@127.0.0.1:5091`, expires: this.on ? 600 : 0 }), 200);
  }
  toString = () => `Register(${this.user}, ${this.on ? 'on' : 'off'})`;
}

const subscribe = fc.tuple(fc.constantFrom(...WATCHERS), fc.constantFrom(...PRESENTITIES), fc.constantFrom(undefined, 0, 30, 60, 600, 4294967295)).map(([w, p, e]) => new Subscribe(w, p, e));
const commands = [
  subscribe, subscribe, // twice as likely: the limits are reached
  fc.tuple(fc.constantFrom(...WATCHERS), fc.integer({ min: 2, max: 8 })).map(([w, k]) => new Burst(w, k)),
  fc.tuple(fc.nat(50), fc.constantFrom(0, 30, 600, 99999)).map(([i, e]) => new InDialog(i, e)),
  fc.tuple(fc.constantFrom('alice', 'bob'), fc.constantFrom(undefined, 0, 60, 4294967295), fc.option(fc.nat(50), { nil: null }), fc.constantFrom(5072, 5073)).map(([u, e, i, d]) => new Publish(u, e, i, d)),
  fc.tuple(fc.constantFrom('alice', 'bob'), fc.boolean()).map(([u, on]) => new Register(u, on)),
];

/** CSeq per Call-ID rises, and every NOTIFY is in a dialog (or fetch) a run opened. */
function checkNotifies(sent: readonly SipRequest[]): number {
  const last = new Map<string, number>();
  let n = 0;
  for (const r of sent.filter((s) => s.method === 'NOTIFY')) {
    const callId = r.headers.find(([h]) => h === 'Call-ID')?.[1] ?? '';
    const cseq = Number.parseInt(r.headers.find(([h]) => h === 'CSeq')?.[1] ?? '', 10);
    assert.match(callId, /^fz-\d+-\d+@h$/);
    assert.ok(cseq > (last.get(callId) ?? 0), `CSeq ${cseq} after ${last.get(callId)} in ${callId}`);
    last.set(callId, cseq);
    n++;
  }
  return n;
}

test(`${RUNS} random SUBSCRIBE and PUBLISH sequences: every answer as the model predicts, the module holding the model's subscriptions after each step, NOTIFYs in rising CSeq`, { timeout: 60 * 60_000 }, async (t) => {
  const lab = await startLab({
    users: ['alice', 'bob'],
    rules: {
      rateLimit: false, offline: { store: { kind: 'memory' } },
      presence: { watchers: 'anyone', maxPerWatcher: LIMITS.maxPerWatcher, maxSubscriptions: LIMITS.maxSubscriptions, minExpires: LIMITS.minExpires, maxPublishExpires: LIMITS.maxPublishExpires, deny: { presentities: ['blocked'] }, allow: { private: ['w0'] } },
    },
    ysipchan: { responder: (r) => (r.method === 'NOTIFY' ? 200 : undefined) },
  });
  let run = 0;
  let steps = 0;
  const codes = new Map<number, number>();
  try {
    await fc.assert(fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: 'large' }), async (cmds) => {
      const model: Model = { run: ++run, seq: 0, dialogs: [], etags: new Map(), spent: [], codes };
      assert.match(await lab.emu.rmanager.status('yate-chat'), /subscriptions=0\b/, 'the last run left a subscription');
      try {
        await fc.asyncModelRun(() => ({ model, real: { lab } }), cmds);
        steps += [...cmds].length;
      } finally {
        // Leave nothing behind for the next run.
        for (const d of liveOf(model)) await subscribeAt(lab, { caller: d.watcher, called: d.presentity, callid: d.callId, fromTag: d.fromTag, toTag: d.toTag, expires: 0 });
        for (const u of model.etags.keys()) await lab.sip.receivePublish({ caller: u, called: u, headers: [['event', 'presence'], ['expires', '0']], type: 'application/pidf+xml', body: PIDF('closed') });
      }
    }), { numRuns: RUNS, seed: SEED });
    await lab.emu.rmanager.command('chat stats'); // a last round trip
    lab.emu.assertExactlyOnce();
    const notifies = checkNotifies(lab.sip.sent);
    assert.equal(lab.link.dead, false);
    assert.deepEqual(lab.emu.log.entries.filter((e) => e.component === 'stderr').map((e) => e.line), []);
    t.diagnostic(`fuzz-presence seed=${SEED}: ${RUNS} runs, ${steps} steps, ${notifies} NOTIFYs, codes ${JSON.stringify(Object.fromEntries([...codes].sort((a, b) => a[0] - b[0])))}`);
  } finally {
    await lab.close();
  }
});
