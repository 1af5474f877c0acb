// The package as npm ships it: packed from this checkout, installed from the tarball into a
// temporary project and a temporary global prefix (test/fixtures/tarball.ts: from npm's cache,
// better-sqlite3 from a local prebuild), and used there as a user would: the installed
// `yate-chat` command, a SQLite store, and the light entry in a fresh process. Nothing here
// reads the checkout's files but through the tarball.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { loadsOf } from './fixtures/loads.js';
import { installGlobal, installInProject, manifest, pack, packForInstall } from './fixtures/tarball.js';

/** Run a command; its exit code and output. */
function run(cwd: string, file: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(file, args, { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('npm pack ships the build of src/, the launcher, the configs, the examples, the docs, LICENSE and CHANGELOG, and no tests, benchmarks, CI or sources', () => {
  const { files } = pack(os.tmpdir(), true);
  const paths = files.map((f) => f.path);
  for (const p of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'scripts/yate-chat', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/extmodule.js',
    'dist/src/extmodule.d.ts', 'dist/src/emulator/index.js', 'dist/src/cli/main.js', 'yate-conf/extmodule.conf', 'yate-conf/yate-chat.json',
    'yate-conf/yate-chat.service', 'examples/auto-responder.ts', 'examples/auto-responder.mjs', 'docs/yate-module.md', 'docs/upgrade.md', 'docs/bench-yate.svg']) {
    assert.ok(paths.includes(p), `${p} is shipped`);
  }
  const allowed = /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|scripts\/yate-chat|dist\/src\/.+\.(js|d\.ts)|yate-conf\/[^/]+|examples\/[^/]+\.(ts|mjs)|docs\/[^/]+\.(md|svg))$/;
  assert.deepEqual(paths.filter((p) => !allowed.test(p)), [], 'nothing else: no dist/test, dist/bench, test/, bench/, .ci/, src/*.ts, source maps');
  for (const exe of ['scripts/yate-chat', 'examples/auto-responder.mjs']) assert.equal(files.find((f) => f.path === exe)!.mode & 0o111, 0o111, `${exe} keeps its run bits`);
});

test('the shipped package.json has no install-time script, so npm 11 installs the tarball without asking about yate-chat', () => {
  const scripts = (manifest as { scripts?: Record<string, string> }).scripts ?? {};
  assert.deepEqual(['preinstall', 'install', 'postinstall', 'prepare'].filter((s) => s in scripts), []);
  assert.equal((manifest as { license?: string }).license, 'MIT');
});

test('from its tarball, yate-chat installs into a project and a global prefix: the installed command runs, stores in SQLite, and its light entry loads no SQLite or zod', async (t) => {
  const tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'yate-chat-tarball-')));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const tarball = packForInstall(tmp);

  const { project, dir, bin } = installInProject(tmp, tarball);
  assert.ok(existsSync(path.join(dir, 'dist/src/cli/main.js')));
  assert.equal(existsSync(path.join(dir, 'dist/test')) || existsSync(path.join(dir, 'src')), false, 'no tests, no sources');
  assert.equal(existsSync(path.join(project, 'node_modules/typescript')), false, 'no build tools: the tarball is not rebuilt on install');

  // The installed command.
  assert.deepEqual(run(project, bin, ['--version']), { code: 0, stdout: `${manifest.version}\n`, stderr: '' });
  writeFileSync(path.join(project, 'good.json'), JSON.stringify({ mode: 'seed', offline: { store: { path: 'chat.db' } } }));
  const good = run(project, bin, ['check-config', 'good.json']);
  assert.deepEqual([good.code, good.stdout.split('\n')[0]], [0, `${path.join(project, 'good.json')}: OK (mode seed, offline sqlite)`]);
  assert.match(good.stdout.split('\n')[1]!, new RegExp(`^store: sqlite:${path.join(project, 'chat.db').replace(/[.]/g, '\\.')}: uid \\d+.* can create and write it$`));
  const help = run(project, bin, ['help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /yate-chat check-config RULES\.json/);
  writeFileSync(path.join(project, 'bad.json'), '{"mode": "loud"}');
  const bad = run(project, bin, ['check-config', 'bad.json']);
  assert.deepEqual([bad.code, bad.stdout], [2, '']);
  assert.match(bad.stderr, /bad\.json/);
  assert.match(bad.stderr, /mode/);
  // The shipped sample rules, with their store (the admin's /var/lib/yate-chat) moved into the project.
  const sample = JSON.parse(readFileSync(path.join(dir, 'yate-conf/yate-chat.json'), 'utf8')) as { offline: { store: { path: string } } };
  sample.offline.store.path = path.join(project, 'sample-store', 'yate-chat.db');
  writeFileSync(path.join(project, 'sample.json'), JSON.stringify(sample));
  const checked = run(project, bin, ['check-config', 'sample.json']);
  assert.equal(checked.code, 0, `the shipped sample rules are valid: ${checked.stderr}`);

  // The full entry: a message kept in SQLite and read back, through the installed binding.
  const script = `import { openStore } from 'yate-chat';
    const store = await openStore({ kind: 'sqlite', path: 'offline.db' });
    await store.put({ recipient: '555', sender: '123', senderUri: 'sip:123@example.org', body: 'call me', contentType: 'text/plain' });
    console.log(JSON.stringify((await store.pending('555')).map((m) => m.body)), store.name);
    await store.close();`;
  const stored = run(project, process.execPath, ['--input-type=module', '-e', script]);
  assert.deepEqual([stored.code, stored.stderr], [0, '']);
  assert.equal(stored.stdout, `["call me"] sqlite:${path.join(project, 'offline.db')}\n`);

  // The light entry, imported in a fresh process: the installed file, and no SQLite, zod or recheck.
  const loads = loadsOf('yate-chat/extmodule', project);
  assert.ok(loads.urls.includes(pathToFileURL(path.join(dir, 'dist/src/extmodule.js')).href), loads.urls.join('\n'));
  assert.deepEqual(loads.packages, [manifest.name, 'split2'].sort());

  // npm install -g: the command is a link in PREFIX/bin to the launcher, run from anywhere.
  const global = installGlobal(tmp, tarball);
  assert.ok(lstatSync(global.bin).isSymbolicLink());
  assert.equal(path.resolve(path.dirname(global.bin), readlinkSync(global.bin)), path.join(global.dir, 'scripts/yate-chat'));
  assert.deepEqual(run(os.tmpdir(), global.bin, ['--version']), { code: 0, stdout: `${manifest.version}\n`, stderr: '' });
  const check = run(os.tmpdir(), global.bin, ['check-config', path.join(project, 'good.json')]);
  assert.equal(check.code, 0, check.stderr);

  // The HTTP face and a webhook to try without Yate, from the installed package.
  const demo = spawn(global.bin, ['demo', '--http', '--listen', '127.0.0.1:0']);
  let shown = '';
  demo.stdout.on('data', (d: Buffer) => (shown += d.toString()));
  const ended = new Promise((resolve) => demo.on('close', resolve));
  for (const until = Date.now() + 30000; !/What happens is printed below/.test(shown); await new Promise((r) => setTimeout(r, 50))) {
    assert.ok(Date.now() < until, shown);
  }
  const url = /its HTTP face on (\S+)$/m.exec(shown)![1]!;
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  demo.kill('SIGTERM');
  assert.equal(await ended, 0);
});
