import { countCompletionTokens } from './completionBuilder.js';
import { demoBrainReply } from '../../../src/demoBrain/demoBrain.js';
import { openAiErrorBody } from './httpIo.js';
import type { Answer } from './responder.js';
import type { ResponseQueue } from './responseQueue.js';
import { type Fault, isScriptedFault, type RecordedOutcome, type RecordedRequest, type ScriptedReply, type ScriptedResponse, type ScriptFunction } from './types.js';

/**
 * Decides how a request is answered, in a fixed order: the next queued response, then the script
 * function, then the server's default brain. Every decision is written to `request.outcome`.
 */

/** What answers when neither the queue nor the script function does. */
export type DefaultBrain = 'demo' | 'none';

/** Where answers come from. */
export interface AnswerSources {
  queue: ResponseQueue;
  script: ScriptFunction | undefined;
  defaultBrain: DefaultBrain;
}

/** Chooses the answer to `request` and records it as the request's outcome. */
export async function chooseAnswer(request: RecordedRequest, sources: AnswerSources): Promise<Answer> {
  const scripted = sources.queue.take() ?? (await runScript(request, sources.script));
  const answer = scripted ? toAnswer(scripted, request) : defaultAnswer(request, sources.defaultBrain);
  request.outcome = outcomeOf(answer);
  return answer;
}

async function runScript(request: RecordedRequest, script: ScriptFunction | undefined): Promise<ScriptedResponse | undefined> {
  if (!script) return undefined;
  try {
    return await script(request);
  } catch (error) {
    // Answering 500 keeps the bot's view honest (the "model" failed) while the message in the
    // body and the recorded outcome tell the test author their script is what broke.
    const message = error instanceof Error ? error.message : String(error);
    return { fault: { kind: 'status', status: 500, body: openAiErrorBody(`fake LLM script function threw: ${message}`, 'server_error') } };
  }
}

function toAnswer(scripted: ScriptedResponse, request: RecordedRequest): Answer {
  if (!isScriptedFault(scripted)) return { reply: scripted };
  const { fault } = scripted;
  const shapesDelivery = deliversReply(fault);
  // A cut, slow or stalled stream needs something to deliver; unless the test chose it, the demo brain's answer.
  return { fault, reply: (shapesDelivery ? fault.reply : undefined) ?? demoBrainReply(request) };
}

function defaultAnswer(request: RecordedRequest, defaultBrain: DefaultBrain): Answer {
  if (defaultBrain === 'demo') return { reply: demoBrainReply(request) };
  const message = `fake LLM: no scripted response for request #${request.index} (brain: 'none')`;
  return {
    reply: { text: '' },
    fault: { kind: 'status', status: 500, body: openAiErrorBody(message, 'server_error', 'unscripted_request') },
  };
}

function outcomeOf(answer: Answer): RecordedOutcome {
  const { fault, reply } = answer;
  if (!fault) return { kind: 'reply', reply, completionTokens: countCompletionTokens(reply) };
  if (deliversReply(fault)) return { kind: 'fault', fault, reply, completionTokens: countCompletionTokens(reply) };
  return { kind: 'fault', fault };
}

/** Faults that shape how a reply is delivered (all or part of it), rather than replace it. */
function deliversReply(fault: Fault): fault is Extract<Fault, { reply?: ScriptedReply }> {
  return fault.kind === 'cutStream' || fault.kind === 'slowStream' || fault.kind === 'stall';
}
