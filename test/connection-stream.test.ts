// The engine connection over in-memory streams (the `open` option): literal wire lines in, the
// exact lines written out. For what needs control over timing the emulator cannot give: the
// moment before Yate confirms bufsize, lines split across chunks, EOF, refusals.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { Connection, type ConnectionOptions, type Handler } from '../src/engine/index.js';
import { encodeLine } from '../src/protocol/index.js';

interface FakeEngine {
  readonly conn: Connection;
  /** Raw bytes to the module (a byte string). */
  write(bytes: string): void;
  send(...lines: string[]): void;
  /** The next line the module writes that the fake did not answer itself (log lines skipped). */
  next(): Promise<string>;
  /** Every line the module wrote. */
  readonly written: string[];
  /** End the engine -> module stream (stdin EOF). */
  end(): void;
  closed: boolean;
}

/** A fake Yate on two PassThroughs. With `auto`, it answers setlocal/install/watch like Yate. */
function fakeEngine(opts: ConnectionOptions = {}, auto = true): FakeEngine {
  const toModule = new PassThrough();
  const fromModule = new PassThrough();
  const queue: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  let buf = '';
  const fe: FakeEngine = {
    conn: new Connection({ trackName: '', ...opts, open: async () => ({ input: toModule, output: fromModule, close: () => { fe.closed = true; } }) }),
    write: (bytes) => { toModule.write(Buffer.from(bytes, 'latin1')); },
    send: (...lines) => fe.write(lines.map((l) => l + '\n').join('')),
    next: () => new Promise((r) => { const l = queue.shift(); if (l !== undefined) r(l); else waiters.push(r); }),
    written: [],
    end: () => toModule.end(),
    closed: false,
  };
  fromModule.on('data', (b: Buffer) => {
    buf += b.toString('latin1');
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      fe.written.push(line);
      const reply = auto ? autoReply(line) : null;
      if (reply !== null) { fe.send(reply); continue; }
      if (line.startsWith('%%>debug:') || line.startsWith('%%>output:')) continue;
      const w = waiters.shift();
      if (w) w(line); else queue.push(line);
    }
  });
  return fe;
}

function autoReply(line: string): string | null {
  let m: RegExpExecArray | null;
  if ((m = /^%%>setlocal:bufsize:(\d+)$/.exec(line))) return `%%<setlocal:bufsize:${m[1]}:true`;
  if (line === '%%>setlocal:timeout:') return '%%<setlocal:timeout:10000:true';
  if ((m = /^%%>setlocal:([^:]+):(.*)$/.exec(line))) return `%%<setlocal:${m[1]}:${m[2]}:true`;
  if ((m = /^%%>install:(\d*):([^:]+)/.exec(line))) return `%%<install:${m[1] || 100}:${m[2]}:true`;
  if ((m = /^%%>uninstall:(.+)$/.exec(line))) return `%%<uninstall:100:${m[1]}:true`;
  if ((m = /^%%>(un)?watch:(.+)$/.exec(line))) return `%%<${m[1] ?? ''}watch:${m[2]}:true`;
  return null;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const now = (): number => Math.floor(Date.now() / 1000);
/** Bytes of an enqueued `n` message with one param `k` of `len` bytes, with its '\n'. */
const baseLength = encodeLine({ type: 'message', id: '', time: now(), name: 'n', retval: '', params: [['k', '']] }).length + 1;

test('before Yate confirms bufsize the limit is its default 8192 bytes; after, the size it confirmed', async () => {
  const fe = fakeEngine({}, false);
  const starting = fe.conn.start();
  assert.equal(await fe.next(), '%%>setlocal:bufsize:65536');
  assert.equal(await fe.next(), '%%>setlocal:timeout:');
  assert.equal(fe.conn.state, 'open');
  assert.equal(fe.conn.maxLineLength, 8192);
  // Yate keeps one byte of its buffer for a NUL: a line with its '\n' must stay below the bufsize.
  assert.throws(() => fe.conn.enqueue('n', [['k', 'a'.repeat(8192 - baseLength)]]), { code: 'LINE_TOO_LONG' });
  fe.conn.enqueue('n', [['k', 'b'.repeat(8191 - baseLength)]]);
  const written = await fe.next();
  assert.equal(written.length + 1, 8191);
  assert.ok(written.endsWith('bbbb'));

  fe.send('%%<setlocal:bufsize:65536:true', '%%<setlocal:timeout:10000:true');
  await starting;
  assert.equal(fe.conn.maxLineLength, 65536);
  fe.conn.enqueue('n', [['k', 'c'.repeat(65535 - baseLength)]]);
  assert.equal((await fe.next()).length + 1, 65535);
  assert.throws(() => fe.conn.enqueue('n', [['k', 'd'.repeat(65536 - baseLength)]]), { code: 'LINE_TOO_LONG' });
  assert.equal(fe.conn.fits('n', [['k', 'd'.repeat(65536 - baseLength)]]), false);
  await tick();
  assert.equal(fe.written.some((l) => l.includes('aaaa') || l.includes('dddd')), false);
  await fe.conn.close();
});

test('a bufsize Yate answers lower than asked becomes the limit', async () => {
  const fe = fakeEngine({ bufsize: 4096 }, false);
  const starting = fe.conn.start();
  assert.equal(await fe.next(), '%%>setlocal:bufsize:4096');
  assert.equal(await fe.next(), '%%>setlocal:timeout:');
  fe.send('%%<setlocal:bufsize:2048:true', '%%<setlocal:timeout:3000:true');
  await starting;
  assert.deepEqual([fe.conn.maxLineLength, fe.conn.engineTimeout, fe.conn.deadlineMs], [2048, 3000, 2000]);
  assert.throws(() => fe.conn.enqueue('n', [['k', 'a'.repeat(2048 - baseLength)]]), { code: 'LINE_TOO_LONG' });
  await fe.conn.close();
});

test('lines split anywhere across chunks, and many lines in one chunk, are all read and answered', async () => {
  const fe = fakeEngine();
  const seen: string[] = [];
  await fe.conn.install('x.msg', (m) => { seen.push(`${m.get('n')}:${m.get('body') ?? ''}`); m.retval = `r${m.get('n')}`; return true; });
  await fe.conn.start();
  const one = '%%>message:m1:0:x.msg::n=1:body=caf\u00c3\u00a9\n'; // the UTF-8 bytes of "café"
  for (const [from, to] of [[0, 5], [5, 17], [17, one.length - 2], [one.length - 2, one.length]] as const) {
    fe.write(one.slice(from, to)); // the last cut falls inside the two bytes of "é"
    await tick();
  }
  let many = '';
  for (let i = 2; i <= 60; i++) many += `%%>message:m${i}:0:x.msg::n=${i}\r\n`;
  fe.write(many);
  const answers = new Set<string>();
  while (answers.size < 60) answers.add(await fe.next());
  assert.deepEqual(seen, ['1:caf\u00c3\u00a9', ...Array.from({ length: 59 }, (_, i) => `${i + 2}:`)]);
  for (let i = 1; i <= 60; i++) assert.ok(answers.has(`%%<message:m${i}:true::r${i}`), `m${i}`);
  await fe.conn.close();
});

test('malformed engine lines are logged once each; a %%>message among them whose id can be read is answered unprocessed and unchanged', async () => {
  const fe = fakeEngine();
  let ran = 0;
  await fe.conn.install('x.msg', () => { ran++; return true; });
  await fe.conn.start();
  const bad = ['garbage', '%%>message:', '%%>message:bad:zz:x.msg:', '%%>message:bad2:0:x%1.msg:', '%%>message:bad%z3:1:x.msg:r:k=%1',
    '%%>message:no-more-fields', '%%>message::0:x.msg::a=%', '%%>message:b%1d:0:x.msg:', '%%<install:x:y:true'];
  fe.send(...bad, '', 'Error in: whatever');
  fe.send('%%>message:m1:0:x.msg:');
  // Yate threads wait on bad, bad2 and bad:3 (ids that can be read): each gets the short form, once.
  assert.equal(await fe.next(), '%%<message:bad:false:');
  assert.equal(await fe.next(), '%%<message:bad2:false:');
  assert.equal(await fe.next(), '%%<message:bad%z3:false:');
  assert.equal(await fe.next(), '%%<message:m1:true:');
  assert.equal(ran, 1);
  assert.equal(fe.written.filter((l) => l.startsWith('%%<message:')).length, 4);
  const logged = fe.written.filter((l) => l.startsWith('%%>debug:5:ignored a line from Yate'));
  assert.equal(logged.length, bad.length, logged.join('\n'));
  assert.equal(fe.written.some((l) => l.startsWith('Error in')), false);
  await fe.conn.close();
});

test('a line longer than the module reads is logged once, answered when its id can be read, and the next line is read', async () => {
  const fe = fakeEngine({ maxIncomingLine: 1000 });
  await fe.conn.install('x.msg', (m) => { m.retval = 'ok'; return true; });
  await fe.conn.start();
  const long = `%%>message:big1:0:x.msg::body=${'a'.repeat(5000)}`;
  // Cut into chunks, as a pipe delivers it.
  for (let i = 0; i < long.length; i += 700) { fe.write(long.slice(i, i + 700)); await tick(); }
  fe.send('', `%%>output:${'b'.repeat(3000)}`, '%%>message:m2:0:x.msg:');
  assert.equal(await fe.next(), '%%<message:big1:false:');
  assert.equal(await fe.next(), '%%<message:m2:true::ok');
  const logged = fe.written.filter((l) => l.startsWith('%%>debug:5:ignored a line from Yate of '));
  assert.deepEqual(logged.map((l) => /of (\d+) bytes, longer than the 1000 read/.exec(l)?.[1]), [String(long.length), '3010']);
  await fe.conn.close();
});

test('stdin EOF answers pending messages unprocessed and unchanged, then closes the connection', async () => {
  const fe = fakeEngine();
  let entered: () => void = () => {};
  const inHandler = new Promise<void>((r) => { entered = r; });
  await fe.conn.install('stuck.msg', () => { entered(); return new Promise<boolean>(() => {}); });
  await fe.conn.start();
  const closed = new Promise<void>((r) => fe.conn.once('close', () => r()));
  fe.send('%%>message:m1:0:stuck.msg:keep:a=1');
  await inHandler;
  assert.equal(fe.conn.pendingIncoming, 1);
  fe.end();
  assert.equal(await fe.next(), '%%<message:m1:false:');
  await closed;
  assert.deepEqual([fe.conn.state, fe.conn.pendingIncoming, fe.closed], ['closed', 0, true]);
});

test('Error in: for the line of a dispatch rejects it with ENGINE_REFUSED; an Error in: is never answered', async () => {
  const fe = fakeEngine();
  await fe.conn.start();
  const p = fe.conn.dispatch('x.msg', { a: '1' });
  const line = await fe.next();
  assert.match(line, /^%%>message:[^:]+:\d+:x\.msg::a=1$/);
  fe.send(`Error in: ${line}`);
  await assert.rejects(p, { code: 'ENGINE_REFUSED' });
  const q = fe.conn.dispatch('y.msg');
  const qline = await fe.next(); // the first thing written after the Error in: line is the next dispatch
  assert.match(qline, /^%%>message:([^:]+):\d+:y\.msg:$/);
  const id = /^%%>message:([^:]+):/.exec(qline)![1];
  fe.send(`%%<message:${id}:true:y.msg:done:extra=1`);
  const r = await q;
  assert.deepEqual([r.processed, r.message.name, r.message.retval, [...r.message.params]], [true, 'y.msg', 'done', [['extra', '1']]]);
  await fe.conn.close();
});

test('a dispatch past its timeoutMs rejects with ENGINE_TIMEOUT; Yate\'s late answer is then ignored', async () => {
  const fe = fakeEngine();
  await fe.conn.start();
  const p = fe.conn.dispatch('slow.msg', {}, { timeoutMs: 50 });
  const line = await fe.next();
  await assert.rejects(p, { code: 'ENGINE_TIMEOUT' });
  const id = /^%%>message:([^:]+):/.exec(line)![1];
  fe.send(`%%<message:${id}:true:slow.msg:late`);
  await tick();
  assert.equal(fe.conn.state, 'open');
  await fe.conn.close();
});

test('a watched notification reaches watchers only; it is never answered and no handler runs', async () => {
  const fe = fakeEngine();
  const handled: string[] = [];
  const notes: string[] = [];
  await fe.conn.install('w.msg', (m) => { handled.push(m.id); return true; });
  await fe.conn.watch('w.msg', (n) => notes.push(`${n.processed}:${n.message.retval}:${n.message.get('k')}`));
  await fe.conn.start();
  fe.send('%%<message::true:w.msg:ret:k=v', '%%>message:m1:0:w.msg:');
  assert.equal(await fe.next(), '%%<message:m1:true:');
  assert.deepEqual(notes, ['true:ret:v']);
  assert.deepEqual(handled, ['m1']);
  await fe.conn.close();
});

test('Yate refusing an install rejects install() with ENGINE_REFUSED', async () => {
  const fe = fakeEngine({}, false);
  const starting = fe.conn.start();
  assert.deepEqual([await fe.next(), await fe.next()], ['%%>setlocal:bufsize:65536', '%%>setlocal:timeout:']);
  fe.send('%%<setlocal:bufsize:65536:true', '%%<setlocal:timeout:10000:true');
  await starting;
  const p = fe.conn.install('dup.msg', () => true);
  assert.equal(await fe.next(), '%%>install:100:dup.msg');
  fe.send('%%<install:100:dup.msg:false');
  await assert.rejects(p, { code: 'ENGINE_REFUSED' });
  await fe.conn.close();
});

test('calls in the wrong state fail with a typed error that names the state', async () => {
  const fe = fakeEngine();
  await assert.rejects(fe.conn.dispatch('x.msg'), { code: 'NOT_CONNECTED', message: /state idle/ });
  assert.throws(() => fe.conn.enqueue('x.msg'), { code: 'NOT_CONNECTED' });
  assert.throws(() => fe.conn.output('hello'), { code: 'NOT_CONNECTED', message: /state idle/ });
  assert.throws(() => fe.conn.debug(5, 'hello'), { code: 'NOT_CONNECTED' });
  await assert.rejects(fe.conn.install('bad:name', () => true), { code: 'BAD_ARGUMENT' });
  await fe.conn.start();
  await assert.rejects(fe.conn.start(), { code: 'BAD_ARGUMENT', message: /state open/ });
  const pending = fe.conn.dispatch('x.msg');
  await fe.next();
  await fe.conn.close();
  await assert.rejects(pending, { code: 'NOT_CONNECTED' });
  await assert.rejects(fe.conn.dispatch('x.msg'), { code: 'NOT_CONNECTED', message: /state closed/ });
  assert.throws(() => fe.conn.output('bye'), { code: 'NOT_CONNECTED', message: /state closed/ });
  assert.equal(fe.written.some((l) => /hello|bye/.test(l)), false);
});

test('output() and debug() refuse a line over the confirmed bufsize with LINE_TOO_LONG and write none of it', async () => {
  const fe = fakeEngine({ bufsize: 2048 });
  await fe.conn.start();
  assert.equal(fe.conn.maxLineLength, 2048);
  assert.throws(() => fe.conn.output(`first line\n${'w'.repeat(3000)}`), { code: 'LINE_TOO_LONG' });
  assert.throws(() => fe.conn.debug(5, 'd'.repeat(3000)), { code: 'LINE_TOO_LONG' });
  fe.conn.output('one\ntwo');
  fe.conn.debug(5, 'three');
  await tick();
  assert.deepEqual(fe.written.filter((l) => /^%%>(output|debug):/.test(l)), ['%%>output:one', '%%>output:two', '%%>debug:5:three']);
  await fe.conn.close();
});

test('options that cannot be used are refused with BAD_ARGUMENT when the Connection is made', () => {
  for (const opts of [{ bufsize: 0 }, { bufsize: 1.5 }, { deadlineMs: -1 }, { maxIncomingLine: Number.NaN }, { reconnect: { initialMs: 0, maxMs: 10 } }]) {
    assert.throws(() => new Connection(opts), { code: 'BAD_ARGUMENT', message: /connection option/ }, JSON.stringify(opts));
  }
});

test('quit() answers pending messages before %%>quit, and %%<quit closes the connection', async () => {
  const fe = fakeEngine();
  const never: Handler = () => new Promise<boolean>(() => {});
  await fe.conn.install('stuck.msg', never);
  await fe.conn.start();
  fe.send('%%>message:m1:0:stuck.msg:keep');
  while (fe.conn.pendingIncoming === 0) await tick();
  const quitting = fe.conn.quit();
  assert.equal(await fe.next(), '%%<message:m1:false:');
  assert.equal(await fe.next(), '%%>quit');
  fe.send('%%<quit');
  await quitting;
  assert.equal(fe.conn.state, 'closed');
  assert.deepEqual(fe.written.slice(-2), ['%%<message:m1:false:', '%%>quit']);
});
