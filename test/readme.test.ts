// The README an admin reads top to bottom (issue 22): short enough to find things in, a contents
// list at its top, the set-up and test commands CI runs first, and no link, in it or in docs/,
// that leads nowhere.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** GitHub's anchor for each heading of a markdown text (a repeated one gets -1, -2...). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const h = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (!h) continue;
    const slug = h[1]!.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n ? `${slug}-${n}` : slug);
  }
  return out;
}

/** Markdown links outside code: [text](target). */
function links(markdown: string): string[] {
  const text = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

test('the README is at most 450 lines, with a contents list of at least five links to its own sections in its first 60 lines', () => {
  const lines = README.split('\n');
  assert.ok(lines.length <= 450, `${lines.length} lines`);
  const own = links(lines.slice(0, 60).join('\n')).filter((l) => l.startsWith('#'));
  assert.ok(new Set(own).size >= 5, own.join(' '));
  assert.match(lines.slice(0, 60).join('\n'), /^## Contents$/m);
});

test('the README\'s first commands are the set-up and test commands .ci/run runs, then the demo', () => {
  const first = /```sh\n([\s\S]*?)```/.exec(README)![1]!.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
  assert.deepEqual(first, ['npm ci', 'npm test', 'npm run demo']);
  const ci = readFileSync(path.join(ROOT, '.ci/run'), 'utf8').split('\n').filter((l) => /^npm /.test(l));
  assert.deepEqual(ci, ['npm ci', 'npm test']);
});

test('every link in the README and in docs/ leads to a file that exists, and every #anchor to a heading there', () => {
  const pages = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), 'yate-conf/README.md', 'CHANGELOG.md'];
  const broken: string[] = [];
  for (const page of pages) {
    const text = readFileSync(path.join(ROOT, page), 'utf8');
    for (const link of links(text)) {
      if (/^[a-z]+:/.test(link)) continue; // https:, mailto:
      const [file, anchor] = link.split('#') as [string, string | undefined];
      const target = file ? path.join(ROOT, path.dirname(page), file) : path.join(ROOT, page);
      if (!existsSync(target)) { broken.push(`${page}: ${link} (no file)`); continue; }
      if (anchor && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${page}: ${link} (no heading)`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the README keeps its internals, design notes, benchmarks, fuzzing and testing in docs/ pages it links to', () => {
  for (const page of ['docs/how-it-works.md', 'docs/design-notes.md', 'docs/benchmarks.md', 'docs/testing.md', 'docs/upgrade.md']) {
    assert.ok(README.includes(`](${page}`), page);
  }
  for (const gone of ['### Why hono', '**Why node-postgres', '### Fuzzing', '## Testing against a real Yate', '### Handlers and priorities']) {
    assert.ok(!README.includes(gone), gone);
  }
});
