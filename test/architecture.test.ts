// The shape of src/, read from its relative imports (`import type` and re-exports included):
// no file imports itself back through others; the chat module's rooms import its core and never
// each other; the faces (admin, http) enter the chat module through its one door. A change that
// breaks a rule fails here, naming the files.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = path.join(root, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;

/** file (relative to src, with /) -> the src files it imports. */
function graph(): Map<string, string[]> {
  const files = new Set(sources(src).map((f) => path.relative(src, f).split(path.sep).join('/')));
  const g = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(path.join(src, f), 'utf8');
    const out: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1]!)).replace(/\.js$/, '.ts');
      const hit = [target, `${target}.ts`, `${target}/index.ts`].find((c) => files.has(c));
      if (hit) out.push(hit);
    }
    g.set(f, out);
  }
  return g;
}

/** Strongly connected components of more than one file (Tarjan), or a file importing itself. */
function cycles(g: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  let n = 0;
  const visit = (a: string): void => {
    index.set(a, n);
    low.set(a, n++);
    stack.push(a);
    on.add(a);
    for (const b of g.get(a) ?? []) {
      if (!index.has(b)) {
        visit(b);
        low.set(a, Math.min(low.get(a)!, low.get(b)!));
      } else if (on.has(b)) low.set(a, Math.min(low.get(a)!, index.get(b)!));
    }
    if (low.get(a) === index.get(a)) {
      const c: string[] = [];
      for (;;) {
        const b = stack.pop()!;
        on.delete(b);
        c.push(b);
        if (b === a) break;
      }
      if (c.length > 1 || (g.get(a) ?? []).includes(a)) found.push(c.sort());
    }
  };
  for (const a of g.keys()) if (!index.has(a)) visit(a);
  return found;
}

const ROOMS = ['messaging', 'offline', 'presence', 'push', 'groups', 'history'];
const roomOf = (f: string): string | null => /^chat\/([^/]+)\//.exec(f)?.[1] ?? null;

test('no file in src/ imports itself back through others (type imports count)', () => {
  assert.deepEqual(cycles(graph()), []);
});

test('a room of the chat module imports the chat core and its own files, never another room or the composition root', () => {
  const bad: string[] = [];
  for (const [f, deps] of graph()) {
    const room = roomOf(f);
    if (!room) continue;
    for (const d of deps) {
      if (!d.startsWith('chat/')) continue;
      const to = roomOf(d);
      const ok = room === 'core' ? to === 'core' : to === room || to === 'core';
      if (!ok) bad.push(`${f} -> ${d}`);
    }
  }
  assert.deepEqual(bad, []);
  assert.deepEqual(ROOMS.filter((r) => !readdirSync(path.join(src, 'chat')).includes(r)), [], 'every room is there');
});

test('the admin and HTTP faces reach the chat module through its door (chat/index.ts) only', () => {
  const bad: string[] = [];
  for (const [f, deps] of graph()) {
    if (!f.startsWith('admin/') && !f.startsWith('http/')) continue;
    for (const d of deps) if (d.startsWith('chat/') && d !== 'chat/index.ts') bad.push(`${f} -> ${d}`);
  }
  assert.deepEqual(bad, []);
});

test('src/chat/ holds at most a dozen files itself; its domains live in rooms', () => {
  const top = readdirSync(path.join(src, 'chat'), { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
  assert.ok(top.length <= 12, `src/chat/ holds ${top.length} files: ${top.join(', ')}`);
});

test('the import reader sees type imports and re-exports, so the checks above cannot pass by missing them', () => {
  const g = graph();
  assert.ok(g.get('chat/index.ts')!.includes('chat/module.ts'), 'a re-export is an edge');
  assert.ok(g.get('chat/messaging/room.ts')!.includes('chat/core/kernel.ts'), 'an import type is an edge');
  assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['a']], ['c', ['a']]])), [['a', 'b']], 'a two-file circle is found');
});
