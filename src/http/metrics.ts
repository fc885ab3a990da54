import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * How often the event-loop delay histogram (nodejs_eventloop_lag_*) samples, in ms. Each sample
 * is a timer that wakes the process: prom-client's default of 10 ms costs an idle bot about
 * 8.7 ms of CPU per second, 100 ms about 0.9 (`npm run bench:idle-timers`), and a stall worth
 * noticing in a chat bot is longer than that.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** The project's Prometheus metrics, on a registry of their own (no global state). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  return {
    registry,
    turns: new Counter({
      name: 'matryoshka_turns_total',
      help: 'Agent turns finished, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    turnOverhead: new Histogram({
      name: 'matryoshka_turn_overhead_seconds',
      help: 'Time a turn spends outside the model call',
      buckets: [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3],
      registers: [registry],
    }),
    llmCalls: new Counter({
      name: 'matryoshka_llm_calls_total',
      help: 'LLM calls, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    llmTokens: new Counter({
      name: 'matryoshka_llm_tokens_total',
      help: 'Tokens sent to and received from the model',
      labelNames: ['direction'] as const,
      registers: [registry],
    }),
    commands: new Counter({
      name: 'matryoshka_commands_total',
      help: 'Slash commands handled, by command and outcome',
      labelNames: ['command', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
