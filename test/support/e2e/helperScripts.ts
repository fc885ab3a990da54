import type { RecordedRequest, ScriptedResponse } from '../llm/types.js';

/*
 * What scripts of helper trees need to tell model requests apart: a helper's system prompt holds
 * its briefing with a `Your task: …` line, a channel agent's has none.
 */

/** A model call that never answers: it ends when it is aborted or its process dies. */
export const HANG: ScriptedResponse = { fault: { kind: 'hang' } };

/** Which helper a model request is for (its task), or null for a channel agent. */
export function helperTask(request: RecordedRequest): string | null {
  const system = String(request.messages[0]?.content ?? '');
  return /^Your task: (.*)$/m.exec(system)?.[1] ?? null;
}

/** The last message of a request when it is a tool result (a turn's call after its tools ran). */
export function lastToolResult(request: RecordedRequest): string | null {
  const last = request.messages.at(-1);
  return last?.role === 'tool' ? String(last.content) : null;
}
