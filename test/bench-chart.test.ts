// The benchmark chart (bench/chart.ts, bench/yate/chart.ts): an SVG that parses, with one line
// per pipeline in each panel and labelled axes, drawn from bench:yate's results or its table.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { chartSvg, linearTicks } from '../bench/chart.js';
import { benchYateChart, parseTable, type StepFigures } from '../bench/yate/chart.js';
import { PIPELINES } from '../bench/yate/pipeline.js';
import { findAll, parseXml, textOf, type XmlElement } from './fixtures/xml.js';

const TABLE = `some text before
| pipeline | rate/s | answered 2xx | delivered once | p50 ms | p99 ms | Yate CPU ms/msg | module CPU ms/msg |
| --- | --- | --- | --- | --- | --- | --- | --- |
| seed regexroute rules (generic) | 50 | 2000/2000 | 2000/2000 | 32 | 44 | 7.450 | - |
| seed regexroute rules (generic) | 100 | 1000/2000 | 2000/2000 | 32 | 1464 | 7.820 | - |
| minimal module, generic | 50 | 2000/2000 | 2000/2000 | 52 | 68 | 9.790 | 0.360 |
| yate-chat, generic | 50 | 2000/2000 | 2000/2000 | 52 | 68 | 9.420 | 0.400 |
| yate-chat, generic | 100 | 0/2000 | 0/2000 | - | - | 9.420 | 0.400 |
| minimal module, native | 50 | 2000/2000 | 2000/2000 | 48 | 68 | 9.065 | 0.340 |
| yate-chat, native | 50 | 2000/2000 | 2000/2000 | 52 | 68 | 8.740 | 0.435 |
| yate-chat, generic, 2 devices (fork) | 50 | 2000/2000 | 2000/2000 | 52 | 72 | 9.600 | 0.700 |

text after
`;

const byClass = (root: XmlElement, cls: string) => findAll(root, (e) => (e.attrs.class ?? '').split(' ').includes(cls));

test('the bench:yate chart parses as SVG with two panels, each with one line per pipeline and both axes labelled', () => {
  const svg = parseXml(benchYateChart(parseTable(TABLE), 'from a test table'));
  assert.equal(svg.name, 'svg');
  assert.equal(svg.attrs.xmlns, 'http://www.w3.org/2000/svg');
  const panels = byClass(svg, 'panel');
  assert.equal(panels.length, 2);
  for (const panel of panels) {
    const lines = byClass(panel, 'series').map((e) => e.attrs['data-series']);
    assert.deepEqual(lines, PIPELINES.map((p) => p.label), 'one line per pipeline, in the order they run');
    const x = byClass(panel, 'axis-label').find((e) => e.attrs.class!.includes(' x'))!;
    const y = byClass(panel, 'axis-label').find((e) => e.attrs.class!.includes(' y'))!;
    assert.equal(textOf(x), 'MESSAGEs per second');
    assert.ok(textOf(y).length > 0);
  }
  assert.deepEqual(byClass(panels[0]!, 'panel-title').map(textOf), ['Sender p99 (first MESSAGE to final answer)']);
  assert.equal(textOf(byClass(panels[0]!, 'axis-label')[1]!), 'p99, ms (log scale)');
  assert.equal(textOf(byClass(panels[1]!, 'axis-label')[1]!), 'lost, % of sent');
  assert.deepEqual(byClass(svg, 'legend-item').map(textOf), PIPELINES.map((p) => p.label));
});

test('a rate where no sender got an answer has no p99: the line stops there, while the loss line shows 100 %', () => {
  const svg = parseXml(benchYateChart(parseTable(TABLE), 'x'));
  const [p99, loss] = byClass(svg, 'panel').map((p) => byClass(p, 'series').find((e) => e.attrs['data-series'] === 'yate-chat, generic')!);
  assert.equal(p99!.attrs.d!.split(/[ML]/).filter(Boolean).length, 1, 'one point: 50/s');
  assert.equal(loss!.attrs.d!.split(/[ML]/).filter(Boolean).length, 2);
  // The seed lost half its senders at 100/s: its second loss point sits half-way up the plot.
  const seed = byClass(byClass(svg, 'panel')[1]!, 'series').find((e) => e.attrs['data-series'] === 'seed regexroute rules (generic)')!;
  const ys = seed.attrs.d!.match(/[\d.]+ ([\d.]+)/g)!.map((pt) => Number(pt.split(' ')[1]));
  const rect = findAll(byClass(svg, 'panel')[1]!, (e) => e.name === 'rect')[0]!;
  const [top, height] = [Number(rect.attrs.y), Number(rect.attrs.height)];
  assert.ok(Math.abs(ys[1]! - (top + height / 2)) < 1, `${ys[1]} vs ${top + height / 2}`);
});

test('parseTable reads every row of the first bench:yate table and refuses a pipeline it does not know', () => {
  const rows = parseTable(TABLE);
  assert.deepEqual([...rows.keys()], ['seed', 'minimal-generic', 'yate-chat-generic', 'minimal-native', 'yate-chat-native', 'yate-chat-fork-generic']);
  assert.deepEqual(rows.get('seed'), [{ rate: 50, sent: 2000, answered: 2000, p99: 44 }, { rate: 100, sent: 2000, answered: 1000, p99: 1464 }] satisfies StepFigures[]);
  assert.throws(() => parseTable('no table'), /no bench:yate table/);
  assert.throws(() => parseTable(TABLE.replace('minimal module, native', 'someone else')), /not a pipeline of bench:yate: someone else/);
});

test('text in the chart is escaped, so any series name keeps the SVG well-formed', () => {
  const svg = chartSvg({ title: 'a < b & "c"', subtitle: "it's", panels: [{ title: 'p', xLabel: 'x', yLabel: 'y', yScale: 'linear', series: [{ name: '<&>', points: [[1, 2], [2, 3]] }] }] });
  const root = parseXml(svg);
  assert.equal(textOf(byClass(root, 'title')[0]!), 'a < b & "c"');
  assert.equal(byClass(root, 'series')[0]!.attrs['data-series'], '<&>');
});

test('linear ticks are round numbers covering the range', () => {
  assert.deepEqual(linearTicks(0, 100), [0, 20, 40, 60, 80, 100]);
  assert.deepEqual(linearTicks(0, 7), [0, 2, 4, 6]);
  assert.deepEqual(linearTicks(50, 300), [50, 100, 150, 200, 250, 300]);
});

test('the strict reader used above refuses what is not well-formed', () => {
  for (const bad of ['<a><b></a></b>', '<a x=1/>', '<a>&</a>', '<a x="1" x="2"/>', '<a>', '<a/><b/>']) {
    assert.throws(() => parseXml(bad), Error, bad);
  }
});

test('docs/bench-yate.svg is what the chart command makes of the bench:yate table in docs/benchmarks.md', () => {
  const root = new URL('../../', import.meta.url);
  const table = readFileSync(new URL('docs/benchmarks.md', root), 'utf8');
  const shipped = readFileSync(new URL('docs/bench-yate.svg', root), 'utf8');
  assert.equal(shipped, benchYateChart(parseTable(table), 'figures of the bench:yate table in docs/benchmarks.md'));
});
