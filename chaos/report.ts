import type { Figures } from './accounting.js';
import type { ScenarioResult } from './stack.js';

/** Goals: these figures must be 0 in every scenario. */
const ZERO_GOALS = [
  ['lost', 'lost'],
  ['answeredTwice', 'answered twice'],
  ['duplicatePosts', 'duplicate posts'],
  ['crashes', 'crashes'],
  ['silentTurns', 'silent turns'],
  ['runningTurns', 'turns left running'],
] as const satisfies ReadonlyArray<readonly [keyof Figures, string]>;
const DIGEST_LINES = 6;

/** Goals a scenario missed (empty when it met them all). */
export function missedGoals(result: ScenarioResult): string[] {
  const missed: string[] = ZERO_GOALS.filter(([figure]) => (result.figures[figure] as number) > 0).map(([, label]) => label);
  const p50 = percentile(result.figures.recoveries, 0.5);
  if (result.recoveryGoalMs !== undefined && !(p50 !== undefined && p50 <= result.recoveryGoalMs)) missed.push('recovery p50');
  return missed;
}

/** The scenario's line, then its details, evidence and the bots' most frequent warnings and errors. */
export function formatResult(result: ScenarioResult): string {
  const f = result.figures;
  const goal = (value: number) => `${value} (goal 0 ${value === 0 ? '✓' : '✗'})`;
  const parts = [
    `sent ${f.sent}`,
    `answered once ${f.answeredOnce}`,
    `notified ${f.notified}`,
    `lost ${goal(f.lost)}`,
    `answered twice ${goal(f.answeredTwice)}`,
    `duplicate posts ${goal(f.duplicatePosts)}`,
    `crashes ${goal(f.crashes)}`,
    `silent turns ${goal(f.silentTurns)} of ${f.failedTurns} failed`,
    `left running ${goal(f.runningTurns)}`,
    `recovery ${formatRecovery(f.recoveries, result.recoveryGoalMs)}`,
    `${seconds(result.durationMs)}${result.settled ? '' : ` (did not settle in ${seconds(result.settleMs)})`}`,
  ];
  const lines = [`${result.name.padEnd(14)} ${parts.join(' · ')}`];
  for (const detail of result.details) lines.push(`${' '.repeat(15)}${detail}`);
  for (const item of f.evidence) lines.push(`${' '.repeat(15)}↳ ${item}`);
  for (const entry of result.digest.list().slice(0, DIGEST_LINES)) {
    lines.push(`${' '.repeat(15)}log ${entry.level} ×${entry.count}: ${entry.msg}${entry.detail ? ` — ${entry.detail}` : ''}`);
  }
  return lines.join('\n');
}

/** The totals line. */
export function formatTotals(results: readonly ScenarioResult[], failedScenarios: readonly string[], wallMs: number): string {
  const sum = (figure: keyof Figures) => results.reduce((total, result) => total + (result.figures[figure] as number), 0);
  const missed = results.flatMap((result) => missedGoals(result).map((goal) => `${result.name}: ${goal}`));
  const verdict = missed.length === 0 && failedScenarios.length === 0 ? 'all goals met' : `goals missed — ${[...missed, ...failedScenarios.map((name) => `${name}: error`)].join(', ')}`;
  return (
    `${'total'.padEnd(14)} sent ${sum('sent')} · answered once ${sum('answeredOnce')} · notified ${sum('notified')} · lost ${sum('lost')} · answered twice ${sum('answeredTwice')} · ` +
    `duplicate posts ${sum('duplicatePosts')} · crashes ${sum('crashes')} · silent turns ${sum('silentTurns')} · left running ${sum('runningTurns')} · ${seconds(wallMs)} · ${verdict}`
  );
}

function formatRecovery(recoveries: ReadonlyArray<number | undefined>, goalMs: number | undefined): string {
  if (recoveries.length === 0) return '—';
  const p50 = percentile(recoveries, 0.5);
  const max = percentile(recoveries, 1);
  const never = recoveries.filter((value) => value === undefined).length;
  const text = `p50 ${p50 === undefined ? 'never' : seconds(p50, 1)} / max ${max === undefined ? 'never' : seconds(max, 1)}${never > 0 ? ` (${never} of ${recoveries.length} never)` : ''}`;
  if (goalMs === undefined) return text;
  return `${text} (goal p50 ≤ ${seconds(goalMs)} ${p50 !== undefined && p50 <= goalMs ? '✓' : '✗'})`;
}

/** Nearest-rank percentile; `undefined` (never recovered) sorts last, as infinitely late. */
export function percentile(values: ReadonlyArray<number | undefined>, fraction: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => (a ?? Infinity) - (b ?? Infinity));
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}

export function seconds(ms: number, digits = 0): string {
  return `${(ms / 1000).toFixed(digits)} s`;
}
