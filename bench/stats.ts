/** Percentiles and the report's lines. */

export interface Distribution {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of ascending `sorted` (p in 0–100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

export function distributionLine(label: string, values: Distribution): string {
  return `${label}  p50 ${ms(values.p50)} ms  p90 ${ms(values.p90)} ms  p99 ${ms(values.p99)} ms  max ${ms(values.max)} ms  (n=${values.count})`;
}

/** A figure next to its goal: `overhead p50 2.10 ms   goal ≤ 3 ms  ✓`. */
export function goalLine(figure: string, goal: string, met: boolean): string {
  return `${figure.padEnd(64)} goal ${goal.padEnd(10)} ${met ? '✓' : '✗'}`;
}
