// Medians and percentiles: the machines here are shared and noisy, so we report ratios and
// medians of repeated runs, never a single timing.
export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

export const median = (values: readonly number[]): number => percentile(values, 50);
