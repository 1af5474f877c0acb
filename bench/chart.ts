// A line chart as SVG text, written here rather than with a charting library: a few panels side
// by side, each with labelled axes (linear, or logarithmic for latencies that span decades), one
// line with point markers per series, and one legend for all. Pure: data in, a string out.
// Used by bench:yate (bench/yate/chart.ts); test/bench-chart.test.ts parses what it writes.

export interface Series {
  readonly name: string;
  /** [x, y] in x order; a y of null (nothing measured) breaks the line. */
  readonly points: readonly (readonly [number, number | null])[];
}

export interface Panel {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** 'log': base 10, for values over several decades (all must be > 0). */
  readonly yScale: 'linear' | 'log';
  /** The y range shown; by default from the data (0 or the decade below, to the top). */
  readonly yMin?: number;
  readonly yMax?: number;
  readonly series: readonly Series[];
}

export interface Chart {
  readonly title: string;
  /** A line under the title: where the figures come from. */
  readonly subtitle: string;
  readonly panels: readonly Panel[];
}

/** Colour-blind-safe (Okabe-Ito), dash patterns as a second cue. */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3', '1 2'];

const W = 460; // one panel
const H = 320;
const M = { left: 78, right: 16, top: 36, bottom: 48 };
const HEAD = 56; // title and subtitle
const LEGEND_ROW = 20;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (x: number) => (Math.round(x * 10) / 10).toString();

/** Round tick values: 1, 2 or 5 times a power of ten, about `count` of them. */
export function linearTicks(min: number, max: number, count = 5): number[] {
  if (max <= min) return [min];
  const raw = (max - min) / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

function axisRange(panel: Panel, values: number[]): [number, number] {
  if (panel.yScale === 'log') {
    const lo = panel.yMin ?? 10 ** Math.floor(Math.log10(Math.min(...values)));
    const hi = panel.yMax ?? 10 ** Math.ceil(Math.log10(Math.max(...values)));
    return [lo, hi > lo ? hi : lo * 10];
  }
  const lo = panel.yMin ?? 0;
  const ticks = linearTicks(lo, Math.max(...values, lo + 1));
  return [lo, panel.yMax ?? ticks.at(-1)!];
}

function panelSvg(panel: Panel, index: number, names: readonly string[]): string {
  const x0 = index * W;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const xs = panel.series.flatMap((s) => s.points.map(([x]) => x));
  const ys = panel.series.flatMap((s) => s.points.flatMap(([, y]) => (y === null ? [] : [y])));
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const [yMin, yMax] = axisRange(panel, ys.length ? ys : [1]);
  const log = panel.yScale === 'log';
  const sx = (x: number) => x0 + M.left + (xMax === xMin ? plotW / 2 : ((x - xMin) / (xMax - xMin)) * plotW);
  const sy = (y: number) => {
    const f = log ? (Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin)) : (y - yMin) / (yMax - yMin);
    return HEAD + M.top + plotH - Math.min(1, Math.max(0, f)) * plotH;
  };
  const out: string[] = [`<g class="panel" id="panel-${index}">`];
  out.push(`<text class="panel-title" x="${num(x0 + M.left + plotW / 2)}" y="${HEAD + 20}" text-anchor="middle" font-weight="bold">${esc(panel.title)}</text>`);
  out.push(`<rect x="${x0 + M.left}" y="${HEAD + M.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  const yTicks = log
    ? Array.from({ length: Math.round(Math.log10(yMax / yMin)) + 1 }, (_, i) => yMin * 10 ** i)
    : linearTicks(yMin, yMax);
  for (const t of yTicks) {
    out.push(`<line x1="${x0 + M.left}" x2="${x0 + M.left + plotW}" y1="${num(sy(t))}" y2="${num(sy(t))}" stroke="#e5e5e5"/>`);
    out.push(`<text class="tick" x="${x0 + M.left - 6}" y="${num(sy(t) + 4)}" text-anchor="end">${esc(t.toLocaleString('en-US'))}</text>`);
  }
  for (const t of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<text class="tick" x="${num(sx(t))}" y="${HEAD + M.top + plotH + 16}" text-anchor="middle">${esc(String(t))}</text>`);
  }
  out.push(`<text class="axis-label x" x="${num(x0 + M.left + plotW / 2)}" y="${HEAD + H - 10}" text-anchor="middle">${esc(panel.xLabel)}</text>`);
  const cy = HEAD + M.top + plotH / 2;
  out.push(`<text class="axis-label y" x="${x0 + 18}" y="${num(cy)}" text-anchor="middle" transform="rotate(-90 ${x0 + 18} ${num(cy)})">${esc(panel.yLabel)}</text>`);
  for (const s of panel.series) {
    const i = names.indexOf(s.name);
    const style = `stroke="${COLOURS[i % COLOURS.length]}" stroke-width="2" fill="none"${DASHES[i % DASHES.length] ? ` stroke-dasharray="${DASHES[i % DASHES.length]}"` : ''}`;
    // A null breaks the line: each run of measured points is its own subpath.
    let d = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (y === null) { pen = false; continue; }
      d += `${pen ? 'L' : 'M'}${num(sx(x))} ${num(sy(y))} `;
      pen = true;
    }
    out.push(`<path class="series" data-series="${esc(s.name)}" d="${d.trim()}" ${style}/>`);
    for (const [x, y] of s.points) {
      if (y !== null) out.push(`<circle cx="${num(sx(x))}" cy="${num(sy(y))}" r="3" fill="${COLOURS[i % COLOURS.length]}"><title>${esc(`${s.name}: ${x}, ${y}`)}</title></circle>`);
    }
  }
  out.push('</g>');
  return out.join('\n');
}

/** The whole chart as an SVG document. */
export function chartSvg(chart: Chart): string {
  const names = [...new Set(chart.panels.flatMap((p) => p.series.map((s) => s.name)))];
  const width = Math.max(1, chart.panels.length) * W;
  const legendTop = HEAD + H + 8;
  const height = legendTop + Math.ceil(names.length / 2) * LEGEND_ROW + 12;
  const legend = names.map((name, i) => {
    const x = 24 + (i % 2) * (width / 2);
    const y = legendTop + Math.floor(i / 2) * LEGEND_ROW + 10;
    const dash = DASHES[i % DASHES.length] ? ` stroke-dasharray="${DASHES[i % DASHES.length]}"` : '';
    return `<g class="legend-item"><line x1="${x}" x2="${x + 28}" y1="${y}" y2="${y}" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="2"${dash}/>` +
      `<text x="${x + 36}" y="${y + 4}">${esc(name)}</text></g>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text class="title" x="${width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${esc(chart.title)}</text>`,
    `<text class="subtitle" x="${width / 2}" y="42" text-anchor="middle" fill="#555">${esc(chart.subtitle)}</text>`,
    ...chart.panels.map((p, i) => panelSvg(p, i, names)),
    `<g class="legend">${legend.join('')}</g>`,
    '</svg>',
    '',
  ].join('\n');
}
