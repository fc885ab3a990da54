import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The project's Prometheus metrics, on a registry of their own (no global state). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
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
