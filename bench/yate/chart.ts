// bench:yate's chart: the senders' p99 and the senders left without a 2xx against the rate, one
// line per pipeline (chart.ts draws it). From a run's results, or from a table bench:yate
// printed before (the README's figures until a run replaces them):
//
//   node dist/bench/yate/chart.js docs/benchmarks.md docs/bench-yate.svg
//
// reads the first bench:yate table in the markdown file and writes the SVG.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chartSvg, type Chart, type Series } from '../chart.js';
import { PIPELINES } from './pipeline.js';

/** What the chart needs of one rate step (a StepResult, or a row of the table). */
export interface StepFigures {
  readonly rate: number;
  readonly sent: number;
  readonly answered: number;
  readonly p99: number;
}

const loss = (s: StepFigures) => (s.sent > 0 ? ((s.sent - s.answered) / s.sent) * 100 : null);

/** The chart of a sweep: pipeline name -> its steps, in the order bench:yate runs them. */
export function benchYateChart(results: ReadonlyMap<string, readonly StepFigures[]>, subtitle: string): string {
  const series = (pick: (s: StepFigures) => number | null): Series[] =>
    PIPELINES.filter((p) => results.has(p.name)).map((p) => ({ name: p.label, points: results.get(p.name)!.map((s) => [s.rate, pick(s)] as const) }));
  const chart: Chart = {
    title: 'What each MESSAGE pipeline does to a real Yate as the rate rises',
    subtitle,
    panels: [
      { title: 'Sender p99 (first MESSAGE to final answer)', xLabel: 'MESSAGEs per second', yLabel: 'p99, ms (log scale)', yScale: 'log', series: series((s) => (Number.isFinite(s.p99) && s.p99 > 0 ? s.p99 : null)) },
      { title: 'Senders left without a 2xx', xLabel: 'MESSAGEs per second', yLabel: 'lost, % of sent', yScale: 'linear', yMax: 100, series: series(loss) },
    ],
  };
  return chartSvg(chart);
}

/** The rows of the first bench:yate table in `markdown` (report.ts's format), by pipeline. */
export function parseTable(markdown: string): Map<string, StepFigures[]> {
  const byLabel = new Map(PIPELINES.map((p) => [p.label, p.name]));
  const out = new Map<string, StepFigures[]>();
  const lines = markdown.split('\n');
  const head = lines.findIndex((l) => l.startsWith('| pipeline | rate/s | answered 2xx |'));
  if (head < 0) throw new Error('no bench:yate table (a line starting "| pipeline | rate/s | answered 2xx |")');
  for (const line of lines.slice(head + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const name = byLabel.get(cells[0]!);
    if (!name) throw new Error(`not a pipeline of bench:yate: ${cells[0]}`);
    const [answered, sent] = cells[2]!.split('/').map(Number);
    const step = { rate: Number(cells[1]), sent: sent!, answered: answered!, p99: Number(cells[5]) };
    if (![step.rate, step.sent, step.answered].every(Number.isFinite)) throw new Error(`cannot read the row: ${line}`);
    out.set(name, [...(out.get(name) ?? []), step]);
  }
  return out;
}

// Run as a command: node dist/bench/yate/chart.js TABLE.md OUT.svg
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [from, to] = process.argv.slice(2);
  if (!from || !to) {
    process.stderr.write('usage: node dist/bench/yate/chart.js TABLE.md OUT.svg\n');
    process.exit(64);
  }
  writeFileSync(to, benchYateChart(parseTable(readFileSync(from, 'utf8')), `figures of the bench:yate table in ${from}`));
  process.stdout.write(`${to}\n`);
}
