// Fuzz (issue 10): hostile rules files. Whatever the file holds (bytes that are not UTF-8, broken
// JSON, deep nesting, values of every wrong type at every field, regexes that backtrack,
// "__proto__"), loading it either gives a configuration or a ConfigError naming the file with a
// message per problem, never another exception; and `check-config` exits 0 or 2 with the
// reason on stderr and nothing on stdout. FUZZ_RULES and FUZZ_CLI set the sizes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { ConfigError, loadConfig } from '../src/config/index.js';

const RUNS = Number(process.env['FUZZ_RULES'] ?? 500);
const CLI_RUNS = Number(process.env['FUZZ_CLI'] ?? 8);
const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed);

const root = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = path.join(root, 'dist/src/cli/main.js');
const SAMPLE = JSON.parse(readFileSync(path.join(root, 'yate-conf/yate-chat.json'), 'utf8')) as Record<string, unknown>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'yate-chat-fuzz-rules-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ENV = { env: { YATE_CHAT_DATA: dir } };

/** Regexes a hostile (or careless) admin writes: catastrophic ones among them. */
const regex = fc.constantFrom('/(a+)+$/', '/(a|a)*$/', '/^(\\w+\\s?)*$/', '/\\d+\\d+$/', '/^9\\d{3}$/', '/(/', '/x/g', '/a{1,99999}/', '/(?<=a)b/', '/(a)\\1/', '/[/', '/\\p{L}+/u', '/.*/s', '//');
const leaf = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.constantFrom(-1, 0, 1e308, Number.MAX_SAFE_INTEGER + 2, 0.5),
  fc.string({ maxLength: 30 }), regex, fc.constantFrom('sip:a@b', 'sips:[::1]:5061', '__proto__', 'anyone', 'registered', 'memory', 'sqlite', '', '\u0000'),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', '//', 'kind', 'path', 'list')), tie('v'), { maxKeys: 4 })),
})).v;

/** Every field path of the sample file, to put a hostile value at. */
function paths(v: unknown, at: string[] = []): string[][] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return [at];
  return [at, ...Object.entries(v).filter(([k]) => !k.startsWith('//')).flatMap(([k, x]) => paths(x, [...at, k]))];
}
const FIELDS = paths(SAMPLE).filter((p) => p.length > 0);

function setAt(obj: Record<string, unknown>, at: readonly string[], v: unknown): Record<string, unknown> {
  const copy = structuredClone(obj);
  let cur: Record<string, unknown> = copy;
  for (const k of at.slice(0, -1)) {
    if (cur[k] === null || typeof cur[k] !== 'object') cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  Object.defineProperty(cur, at.at(-1)!, { value: v, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** Text of a hostile file: the sample with hostile values at some fields, or worse. */
const fileText = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.tuple(fc.constantFrom(...FIELDS), value), { minLength: 1, maxLength: 4 }).map((edits) => JSON.stringify(edits.reduce((o, [at, v]) => setAt(o, at, v), SAMPLE))) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...FIELDS), value).map(([at, v]) => JSON.stringify(setAt({}, at, v))) },
  { weight: 1, arbitrary: value.map((v) => JSON.stringify(v) ?? 'undefined') },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 200 }), fc.nat(400)).map(([junk, cut]) => JSON.stringify(SAMPLE).slice(0, cut) + junk) },
  { weight: 1, arbitrary: fc.constantFrom('[', '{"a":'.repeat(5000), '['.repeat(100000), '\ufeff{}', '{"mode":"seed","mode":"confirmed"}', '{"__proto__":{"mode":"seed"}}', '\xff\xfe{}', '{"deny":{"callers":["/(a+)+$/"]}}', '') },
);

function check(text: string, file: string): 'ok' | 'invalid' {
  writeFileSync(file, Buffer.from(text, text.includes('\xff\xfe') ? 'latin1' : 'utf8'));
  try {
    loadConfig(file, ENV);
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${String((err as Error)?.stack ?? err)}`);
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.equal(err.file, file);
    assert.ok(err.issues.length > 0);
    for (const i of err.issues) assert.ok(typeof i.message === 'string' && i.message.length > 0, JSON.stringify(i));
    assert.ok(err.message.startsWith(`Rules file ${file} is invalid`), err.message);
    return 'invalid';
  }
}

test(`${RUNS} hostile rules files: a configuration or a ConfigError naming the file and each problem, never another exception`, { timeout: 60 * 60_000 }, (t) => {
  const file = path.join(dir, 'rules.json');
  const seen = { ok: 0, invalid: 0 };
  fc.assert(fc.property(fileText, (text) => void seen[check(text, file)]++), { numRuns: RUNS, seed: SEED });
  t.diagnostic(`fuzz-rules seed=${SEED}: ${RUNS} files, ${seen.ok} valid, ${seen.invalid} refused with their problems`);
  assert.ok(seen.invalid > RUNS / 2);
});

test(`${CLI_RUNS} hostile rules files through check-config: exit 0 or 2, the reason on stderr, nothing on stdout`, { timeout: 60 * 60_000 }, (t) => {
  const exits = new Map<number | null, number>();
  fc.assert(fc.property(fileText, fc.nat(), (text, n) => {
    const file = path.join(dir, `cli-${n}.json`);
    const expected = check(text, file);
    const r = spawnSync(process.execPath, [MAIN, 'check-config', file], { env: { ...process.env, YATE_CHAT_DATA: dir }, encoding: 'utf8' });
    exits.set(r.status, (exits.get(r.status) ?? 0) + 1);
    if (expected === 'ok') {
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.startsWith(`${file}: OK`), r.stdout);
    } else {
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.ok(r.stderr.includes(file), r.stderr);
    }
  }), { numRuns: CLI_RUNS, seed: SEED });
  t.diagnostic(`fuzz-rules check-config seed=${SEED}: ${CLI_RUNS} runs, exit codes ${JSON.stringify(Object.fromEntries(exits))}`);
});
