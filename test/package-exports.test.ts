// The package's own entry points, imported by name as a user would (package self-reference),
// driven for what they do, not only for what they export.
// The imports are dynamic because tsc compiles this file before dist/ holds the package's types;
// the casts give them the types of the sources those entry points are built from.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { loadsOf } from './fixtures/loads.js';

type Pkg = typeof import('../src/index.js');
type ExtPkg = typeof import('../src/extmodule.js');
type EmuPkg = typeof import('../src/emulator/index.js');
const pkg = (await import('yate-chat' as string)) as Pkg;
const extPkg = (await import('yate-chat/extmodule' as string)) as ExtPkg;
const emuPkg = (await import('yate-chat/emulator' as string)) as EmuPkg;

// dist*/test/ -> the repository root.
const ROOT = new URL('../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
  version: string; exports: Record<string, { types: string; default: string }>;
};
const ENTRIES = { 'yate-chat': '.', 'yate-chat/extmodule': './extmodule', 'yate-chat/emulator': './emulator' } as const;

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'yate-chat-pkg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('yate-chat, yate-chat/extmodule and yate-chat/emulator resolve by name to the files package.json exports', () => {
  for (const [name, key] of Object.entries(ENTRIES)) {
    assert.equal(import.meta.resolve(name), new URL(manifest.exports[key]!.default, ROOT).href, name);
  }
  assert.equal(pkg.VERSION, manifest.version);
  assert.equal(extPkg.Connection, pkg.Connection, 'one Connection, whichever entry it is imported from');
});

test('the light entry yate-chat/extmodule loads neither better-sqlite3, zod nor recheck; the full entry does load SQLite and zod', () => {
  const root = fileURLToPath(ROOT);
  assert.deepEqual(loadsOf('yate-chat/extmodule', root).packages, ['split2']);
  const full = loadsOf('yate-chat', root).packages;
  for (const p of ['better-sqlite3', 'zod']) assert.ok(full.includes(p), `${p} in ${full.join(', ')}`);
});

/** The entries' declarations as TypeScript reads them (one program for every entry). */
const declarations = (() => {
  let program: ts.Program | undefined;
  return () => {
    const files = Object.values(ENTRIES).map((key) => fileURLToPath(new URL(manifest.exports[key]!.types, ROOT)));
    program ??= ts.createProgram(files, {
      module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, skipLibCheck: true, noLib: true, types: [],
    });
    const checker = program.getTypeChecker();
    const exportsOf = (entry: keyof typeof ENTRIES): ts.Symbol[] => {
      const file = fileURLToPath(new URL(manifest.exports[ENTRIES[entry]]!.types, ROOT));
      return checker.getExportsOfModule(checker.getSymbolAtLocation(program!.getSourceFile(file)!)!);
    };
    return { checker, exportsOf };
  };
})();

/** The names an entry's declarations export (types and values). */
function exportedNames(entry: keyof typeof ENTRIES): Set<string> {
  return new Set(declarations().exportsOf(entry).map((s) => s.name));
}

test('the entries export what a user builds on: the light entry is part of the full one, no name is shared with the emulator, no internals', () => {
  const [full, light, emu] = (['yate-chat', 'yate-chat/extmodule', 'yate-chat/emulator'] as const).map(exportedNames) as [Set<string>, Set<string>, Set<string>];
  for (const n of ['Connection', 'ConnectionEvents', 'Message', 'Params', 'DispatchResult', 'Handler', 'YateChatError', 'ErrorCode', 'fromText', 'toText']) {
    assert.ok(light.has(n), `yate-chat/extmodule exports ${n}`);
  }
  assert.deepEqual([...light].filter((n) => !full.has(n)), [], 'everything of the light entry is in the full one');
  assert.deepEqual([...full].filter((n) => emu.has(n)), [], 'no name means one thing in yate-chat and another in yate-chat/emulator');
  for (const n of ['YateMessage', 'YateDispatchResult', 'Emulator']) assert.ok(emu.has(n), `yate-chat/emulator exports ${n}`);
  const internals = ['answerChange', 'snapshot', 'openTransport', 'createLogger', 'stderrSink', 'YATE_LEVEL', 'ChatContext', 'HandlerTable', 'Incoming', 'createFailedStore'];
  assert.deepEqual(internals.filter((n) => full.has(n) || light.has(n)), []);
});

test('a Connection from the package talks to the package\'s Emulator: its handler answers, its dispatches get regfile\'s answers', async (t) => {
  const emu = new emuPkg.Emulator();
  t.after(() => emu.close());
  emu.useRegfile({ users: ['234', '555'] });
  const listener = await emu.listen({ type: 'tcp', port: 0 });
  const conn = new pkg.Connection({ endpoint: { kind: 'tcp', host: '127.0.0.1', port: Number(listener.address) }, reconnect: false });
  t.after(() => conn.close());
  await conn.install('chat.echo', (msg) => {
    msg.retval = `echo ${msg.get('text') ?? ''}`;
    return true;
  }, { priority: 50 });
  await conn.start();

  const offered = await emu.dispatch('chat.echo', { text: 'hi' });
  assert.deepEqual([offered.handled, offered.message.retval], [true, 'echo hi']);

  const reg = await conn.dispatch('user.register', { username: '234', data: 'sip/sip:234@127.0.0.1:5070', expires: '600' });
  assert.equal(reg.processed, true);
  const found = await conn.dispatch('call.route', { called: '234', route_type: 'msg' });
  assert.deepEqual([found.processed, found.message.retval], [true, 'sip/sip:234@127.0.0.1:5070']);
  const offline = await conn.dispatch('call.route', { called: '555', route_type: 'msg' });
  assert.deepEqual([offline.processed, offline.message.get('error')], [false, 'offline']);
  const unknown = await conn.dispatch('call.route', { called: '999', route_type: 'msg' });
  assert.deepEqual([unknown.processed, unknown.message.get('error')], [false, undefined]);
  emu.assertExactlyOnce();
});

test('the protocol namespace encodes a message line with Yate\'s escapes and decodes it back', () => {
  const { encodeLine, decodeEngineLine, decodeModuleLine } = pkg.protocol;
  const text = pkg.fromText('héllo: 100%\n');
  assert.equal(text, 'h\xc3\xa9llo: 100%\n');
  assert.equal(pkg.toText(text), 'héllo: 100%\n');
  const m = { type: 'message' as const, id: 'i1', time: 0, name: 'chat.test', retval: '', params: [['text', text], ['tag=x', null]] as [string, string | null][] };
  const line = encodeLine(m);
  assert.equal(line, '%%>message:i1:0:chat.test::text=h\xc3\xa9llo%z 100%%%J:tag%}x');
  assert.deepEqual(decodeEngineLine(line), m);
  assert.equal(decodeModuleLine(line).type, 'malformed', 'Yate refuses %} in a name on a module line');
});

test('loadConfig from the package reads a real rules file, and refuses a bad one with CONFIG_INVALID', (t) => {
  const dir = tempDir(t);
  const good = path.join(dir, 'good.json');
  writeFileSync(good, JSON.stringify({ mode: 'seed', aliases: { support: '234' }, offline: { store: { path: 'chat.db' } } }));
  const config = pkg.loadConfig(good, { env: {} });
  assert.deepEqual([config.file, config.mode, { ...config.aliases }, config.offline.store],
    [good, 'seed', { support: '234' }, { kind: 'sqlite', path: path.join(dir, 'chat.db') }]);

  const bad = path.join(dir, 'bad.json');
  writeFileSync(bad, '{"mode": "loud"}');
  assert.throws(() => pkg.loadConfig(bad, { env: {} }), (err: unknown) => {
    assert.ok(err instanceof pkg.ConfigError && err instanceof pkg.YateChatError);
    assert.ok(pkg.isYateChatError(err, 'CONFIG_INVALID'));
    assert.deepEqual(err.issues.map((i) => i.field), ['mode']);
    assert.match(pkg.formatConfigError(err), /bad\.json/);
    return true;
  });
});

test('ChatModule offers exactly its methods and the rules in force, not its context', () => {
  const { checker, exportsOf } = declarations();
  const chat = exportsOf('yate-chat').find((s) => s.name === 'ChatModule')!;
  const members = checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(chat)).map((p) => p.name).sort();
  assert.deepEqual(members, ['addToGroup', 'close', 'config', 'createGroup', 'deleteGroup', 'devices', 'forget', 'group', 'groups', 'health', 'history', 'metrics', 'presence', 'purge', 'queue', 'reload', 'removeFromGroup', 'send', 'stats', 'stored', 'watchers']);
});

test('openStore from the package keeps a message until it is delivered, and a full quota is STORE_QUOTA', async () => {
  const store = await pkg.openStore({ kind: 'memory', quotaPerRecipient: 1 });
  const msg = { recipient: '555', sender: '123', senderUri: 'sip:123@example.org', body: 'call me', contentType: 'text/plain' };
  const kept = await store.put(msg);
  assert.deepEqual((await store.pending('555')).map((m) => m.body), ['call me']);
  await assert.rejects(store.put(msg), (err: unknown) => pkg.isYateChatError(err, 'STORE_QUOTA'));
  await store.delivered(kept.id);
  assert.equal(await store.count('555'), 0);
  await store.close();
});
