import type { TurnReport } from './tracker.js';

/** What the bench sends the bot process. */
export type ToBot =
  | { kind: 'measureStart' }
  | { kind: 'measureStop' }
  | { kind: 'profileStart' }
  | { kind: 'profileStop'; file: string }
  | { kind: 'stop' };

/** What the bot process sends back. */
export type FromBot =
  | { kind: 'ready' }
  | { kind: 'failed'; error: string }
  | { kind: 'turnFinished'; report: TurnReport }
  /** The bot's event-loop utilisation since `measureStart` (0–1). */
  | { kind: 'measured'; eventLoopBusy: number }
  | { kind: 'profiled'; file: string };
