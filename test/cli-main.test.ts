// The yate-chat command as a person (terminal) and as Yate (one argument, stdio) run it: the real
// dist/src/cli/main.js and scripts/yate-chat in child processes, no emulator.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Tests run compiled, from dist/test: the package root is two folders up.
const root = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = path.join(root, 'dist/src/cli/main.js');
const LAUNCHER = path.join(root, 'scripts/yate-chat');
const EXAMPLE = path.join(root, 'yate-conf/yate-chat.json');
const VERSION = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;

const dir = mkdtempSync(path.join(os.tmpdir(), 'yate-chat-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}
const MEMORY_RULES = file('memory.json', JSON.stringify({ offline: { store: { kind: 'memory' } } }));
const BROKEN_RULES = file('broken.json', JSON.stringify({ rateLimit: { messages: -3 } }));

interface Ran { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Run the command with `args`; stdin is closed at once unless `feed` drives it. */
function run(cmd: string, args: string[], feed?: (line: string, stdin: NodeJS.WritableStream) => void): Promise<Ran> {
  const isNode = cmd === MAIN;
  const child = spawn(isNode ? process.execPath : cmd, isNode ? [MAIN, ...args] : args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, YATE_CHAT_DATA: dir },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  child.stdin.on('error', () => {}); // the child may exit before reading
  if (feed) {
    child.stdout.on('data', (d: string) => (stdout += d));
    createInterface({ input: child.stdout }).on('line', (l) => { if (!child.stdin.writableEnded) feed(l, child.stdin); });
  } else {
    child.stdout.on('data', (d: string) => (stdout += d));
    child.stdin.end();
  }
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

const cli = (...args: string[]) => run(MAIN, args);

/** A TCP port with nothing listening on it (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Is util-linux's script(1) here (to run a command on a pseudo-terminal)? */
function hasScript(): boolean {
  try {
    return spawnSync('script', ['--version']).status === 0;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- terminal commands

test('--version and -v print the package.json version', async () => {
  for (const flag of ['--version', '-v']) {
    const r = await cli(flag);
    assert.equal(r.code, 0, flag);
    assert.equal(r.stdout, `${VERSION}\n`);
    assert.equal(r.stderr, '');
  }
});

test('help, --help and -h print the commands, options, exit codes and environment on stdout and exit 0', async () => {
  for (const args of [['help'], ['--help'], ['-h'], ['help  '.trim()]]) {
    const r = await cli(...args);
    assert.equal(r.code, 0, args.join(' '));
    assert.ok(r.stdout.startsWith(`yate-chat ${VERSION} `), r.stdout);
    for (const heading of ['usage:', 'options:', 'exit codes:']) assert.match(r.stdout, new RegExp(`^${heading}$`, 'm'));
    assert.match(r.stdout, /^environment \(/m);
    for (const form of ['yate-chat [RULES.json]', 'yate-chat --connect tcp://HOST:PORT [RULES]', 'yate-chat check-config RULES.json', 'yate-chat demo', 'yate-chat demo --http']) {
      assert.ok(r.stdout.includes(form), form);
    }
    for (const code of ['0', '1', '2', '3', '64', '127']) assert.match(r.stdout, new RegExp(`^  ${code} +\\S`, 'm'), `exit code ${code}`);
    assert.equal(r.stderr, '');
  }
});

test('help names every environment variable yate-chat and its launcher read', async () => {
  const { stdout } = await cli('help');
  const read = new Set<string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/\bYATE_CHAT_[A-Z_]+\b/g)) read.add(m[0]);
    }
  };
  walk(path.join(root, 'src'));
  for (const m of readFileSync(LAUNCHER, 'utf8').matchAll(/\bYATE_CHAT_[A-Z_]+\b/g)) read.add(m[0]);
  assert.ok(read.size >= 6, [...read].join(' '));
  for (const name of [...read, 'PGPASSWORD']) assert.match(stdout, new RegExp(`^  ${name} `, 'm'), name);
});

test('check-config accepts the example rules file and exits 0', async () => {
  // The sample's store folder (/var/lib/yate-chat) is the admin's to create: checked here in a
  // folder of the test's own, so that parallel runs never create and remove the same one.
  const sample = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { offline: { store: { path: string } } };
  sample.offline.store.path = path.join(dir, 'sample-store', 'yate-chat.db');
  const copy = file('sample.json', JSON.stringify(sample));
  const r = await cli('check-config', copy);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\n')[0], `${copy}: OK (mode confirmed, offline sqlite)`);
  assert.match(r.stdout.split('\n')[1]!, /^store: sqlite:\S+: uid \d+.* can create and write it$/);
  assert.equal(r.stderr, '');
});

test('check-config of a broken file exits 2 naming the file and the field', async () => {
  const r = await cli('check-config', BROKEN_RULES);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.ok(r.stderr.includes(BROKEN_RULES), r.stderr);
  assert.match(r.stderr, /rateLimit\.messages: expected a positive integer up to 1000000, got -3/);
});

test('check-config refuses a deny regex that backtracks catastrophically: exit 2, the file, the field and why', async () => {
  const bad = file('redos.json', JSON.stringify({ deny: { callers: ['/^9\\d{3}$/', '/(a+)+$/'] } }));
  const r = await cli('check-config', bad);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.ok(r.stderr.includes(bad), r.stderr);
  assert.match(r.stderr, /deny\.callers\[1\]: expected a regex that runs in linear time, but it backtracks in exponential time, e\.g\. on 'a' \+ /);
});

test('check-config of a file that is not JSON exits 2 and says where', async () => {
  const bad = file('not-json.json', '{\n  "mode": "confirmed",\n  oops\n}\n');
  const r = await cli('check-config', bad);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.ok(r.stderr.includes(bad), r.stderr);
  assert.match(r.stderr, /line 3/);
});

test('check-config of a missing file exits 2 naming it', async () => {
  const missing = path.join(dir, 'no-such-rules.json');
  const r = await cli('check-config', missing);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.ok(r.stderr.includes(missing), r.stderr);
  assert.match(r.stderr, /cannot read the rules file/);
});

test('check-config without exactly one file exits 64 with its usage', async () => {
  for (const args of [['check-config'], ['check-config', MEMORY_RULES, EXAMPLE]]) {
    const r = await cli(...args);
    assert.equal(r.code, 64, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /usage: yate-chat check-config RULES\.json/);
  }
});

test('an unknown option exits 64 with the reason in one clean line and the usage on stderr', async () => {
  for (const [flag, said] of [['--bogus', '--bogus'], ['-x', '-x']]) {
    const r = await cli(flag!);
    assert.equal(r.code, 64);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n')[0], `yate-chat: unknown option ${said} (yate-chat help lists the commands and options)`);
    assert.match(r.stderr, /^usage:$/m);
  }
  const r = await cli('--connect');
  assert.equal(r.stderr.split('\n')[0], 'yate-chat: option --connect needs a value (yate-chat help lists the commands and options)');
});

test('--http and --listen outside the demo are usage errors', async () => {
  const r = await cli('--http', MEMORY_RULES);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /^yate-chat: --http and --listen belong to yate-chat demo/);
});

test('two rules files exit 64 without starting', async () => {
  const r = await cli(MEMORY_RULES, EXAMPLE);
  assert.equal(r.code, 64);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /one rules file at most/);
});

test('an engine address that cannot be read exits 64 and says what is expected', async () => {
  const r = await cli('--connect', 'ftp://127.0.0.1:21', MEMORY_RULES);
  assert.equal(r.code, 64);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /cannot read "ftp:\/\/127\.0\.0\.1:21" as an engine address: expected tcp:\/\/HOST:PORT or unix:PATH/);
});

// ---------------------------------------------------------------- as Yate runs it: one argument

test('one argument with spaces is split into options: --connect waits for Yate, then connects, stdout untouched', async () => {
  const port = await closedPort();
  for (const cmd of [MAIN, LAUNCHER]) {
    const isNode = cmd === MAIN;
    const child = spawn(isNode ? process.execPath : cmd, [...(isNode ? [MAIN] : []), `--connect tcp://127.0.0.1:${port} ${MEMORY_RULES}`], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, YATE_CHAT_DATA: dir },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Nothing listens yet: it says so on stderr (Yate's log) and keeps trying.
    const until = Date.now() + 10000;
    while (!/cannot reach Yate at tcp:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*; retrying in \d+ ms/.test(stderr)) {
      assert.ok(Date.now() < until, `no retry notice on stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Yate's listener appears: the first line is the connect, and the link is used.
    const first = await new Promise<string>((resolve) => {
      const srv = net.createServer((sock) => {
        sock.once('data', (d) => {
          resolve(d.toString('latin1').split('\n')[0]!);
          sock.destroy();
          srv.close();
        });
      }).listen(port, '127.0.0.1');
    });
    assert.equal(first, '%%>connect:global');
    child.kill('SIGTERM');
    await exited;
    assert.equal(stdout, '', cmd);
  }
});

test('SIGTERM while socket mode still waits for Yate\'s listener ends it cleanly: exit 0, not 143', async () => {
  const port = await closedPort();
  const child = spawn(process.execPath, [MAIN, '--connect', `tcp://127.0.0.1:${port}`, MEMORY_RULES], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, YATE_CHAT_DATA: dir },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, signal) => resolve([code, signal])));
  const until = Date.now() + 10000;
  while (!/retrying in \d+ ms/.test(stderr)) {
    assert.ok(Date.now() < until, `no retry notice on stderr: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGTERM');
  assert.deepEqual(await exited, [0, null]);
});

test('run by hand in a terminal, it says on stderr that it waits for Yate and what a person wants instead', { skip: !hasScript() && 'no script(1) to give it a terminal' }, async () => {
  // script(1) runs it on a pseudo-terminal: stdin is a TTY, as in a shell.
  const child = spawn('script', ['-qec', `${process.execPath} ${MAIN} ${MEMORY_RULES}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, YATE_CHAT_DATA: dir } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const until = Date.now() + 10000;
  while (!/yate-chat help/.test(out)) {
    assert.ok(Date.now() < until, `no hint: ${JSON.stringify(out)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match(out, /yate-chat: waiting for Yate on stdin\. This is the extmodule protocol, meant for Yate's \[scripts\] line; a person wants `yate-chat help`, `yate-chat demo` or `yate-chat check-config FILE`/);
  child.stdin.write('\x04'); // Ctrl-D: the end of stdin, as Yate closing the pipe
  assert.equal(await exited, 0);
});

test('one argument with spaces and blanks around it works as options too', async () => {
  const r = await cli('  --version  ');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `${VERSION}\n`);
});

test('one argument that is an existing file with a space in its name is not split', async () => {
  const spaced = file('my rules.json', JSON.stringify({ rateLimit: { messages: 0 } }));
  const r = await run(LAUNCHER, [spaced]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.ok(r.stderr.includes(spaced), r.stderr);
});

test('run mode with an invalid rules file exits 2, says why on stderr and writes nothing on stdout', async () => {
  for (const cmd of [MAIN, LAUNCHER]) {
    const r = await run(cmd, [BROKEN_RULES]);
    assert.equal(r.code, 2, cmd);
    assert.equal(r.stdout, '', 'stdout belongs to the protocol');
    assert.match(r.stderr, /^yate-chat: refusing to start: /);
    assert.ok(r.stderr.includes(BROKEN_RULES), r.stderr);
    assert.match(r.stderr, /rateLimit\.messages: expected a positive integer/);
  }
});

test('run mode with a missing rules file exits 2 and writes nothing on stdout', async () => {
  const missing = path.join(dir, 'gone.json');
  const r = await run(LAUNCHER, [missing]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.ok(r.stderr.includes(missing), r.stderr);
});

test('run mode on stdio with stdin closed at once exits 0 and writes only protocol lines', async () => {
  for (const cmd of [MAIN, LAUNCHER]) {
    const r = await run(cmd, [MEMORY_RULES]);
    assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
    assert.ok(r.stdout.endsWith('\n'), JSON.stringify(r.stdout));
    const lines = r.stdout.slice(0, -1).split('\n');
    assert.ok(lines.length > 0);
    for (const l of lines) assert.match(l, /^%%>/, JSON.stringify(l));
    assert.equal(lines[0], '%%>setlocal:trackparam:yate-chat');
  }
});

/** A minimal engine on the other end of the pipes: confirms setlocal, install and watch. */
function engine(endWhen: RegExp) {
  return (line: string, stdin: NodeJS.WritableStream) => {
    if (endWhen.test(line)) { stdin.end(); return; }
    let m: RegExpExecArray | null;
    if ((m = /^%%>setlocal:([^:]*):(.*)$/.exec(line))) stdin.write(`%%<setlocal:${m[1]}:${m[1] === 'timeout' ? '10000' : m[2]}:true\n`);
    else if ((m = /^%%>install:([^:]*):([^:]*)/.exec(line))) stdin.write(`%%<install:${m[1] || '100'}:${m[2]}:true\n`);
    else if ((m = /^%%>watch:(.*)$/.exec(line))) stdin.write(`%%<watch:${m[1]}:true\n`);
  };
}

// The timeouts are safety nets against a hang (the fake engine never ends stdin), not assertions.
test('run mode on stdio ends with 0 when Yate closes stdin at any step of the start-up', { timeout: 120_000 }, async () => {
  const steps = [/^%%>setlocal:bufsize:/, /^%%>setlocal:engine\.maxworkers:/, /^%%>install:\d+:sip\.message$/, /^%%>watch:user\.register$/, /^%%>install:\d+:engine\.help$/, /^%%>output:yate-chat .* ready on stdio: /];
  for (const step of steps) {
    const r = await run(MAIN, [MEMORY_RULES], engine(step));
    assert.equal(r.code, 0, `${step}: ${r.stderr}`);
    assert.equal(r.stderr, '', String(step));
    for (const l of r.stdout.split('\n').filter((x) => x !== '')) assert.match(l, /^%%>/, JSON.stringify(l));
  }
});

test('run mode logs its ready banner through the protocol, never as bare text', { timeout: 60_000 }, async () => {
  const r = await run(LAUNCHER, [MEMORY_RULES], engine(/ready on stdio/));
  assert.equal(r.code, 0, r.stderr);
  const banner = r.stdout.split('\n').filter((l) => /ready on stdio/.test(l));
  assert.equal(banner.length, 1);
  assert.match(banner[0]!, new RegExp(`^%%>output:yate-chat ${VERSION.replace(/\./g, '\\.')} ready on stdio: mode=confirmed, rules=${MEMORY_RULES.replace(/[.]/g, '\\.')}, store=memory, bufsize=65536, timeout=10000ms, `));
});
