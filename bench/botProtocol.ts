import type { StatementSnapshot } from './statementCounter.js';
import type { TurnReport } from './tracker.js';

/** What the bench sends the bot process. */
export type ToBot =
  | { kind: 'measureStart' }
  | { kind: 'measureStop' }
  | { kind: 'profileStart' }
  | { kind: 'profileStop'; file: string }
  /** The statements counted so far (only with BENCH_COUNT_STATEMENTS=1; see statementCounter.ts). */
  | { kind: 'countStatements' }
  | { kind: 'stop' };

/** What the bot process sends back. */
export type FromBot =
  | { kind: 'ready' }
  | { kind: 'failed'; error: string }
  | { kind: 'turnFinished'; report: TurnReport }
  /** The bot's event-loop utilisation since `measureStart` (0–1). */
  | { kind: 'measured'; eventLoopBusy: number }
  | { kind: 'profiled'; file: string }
  /** Cumulative executions by statement text, and writes to the server (empty, 0 when not counting). */
  | { kind: 'statements'; counts: StatementSnapshot };
