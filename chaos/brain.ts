import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { countTextTokens } from '../src/agents/tokens.js';
import type { RecordedRequest, ScriptedReply, ScriptedResponse, ScriptFunction } from '../test/support/llm/fakeLlmServer.js';

/**
 * The scripted model of the suite. Every message the suite sends carries a token (`[m17]`); the
 * model's answer names the tokens of every user message it answers — those after the last
 * answer in its prompt — so a reply in Discord says exactly which messages it answers, however
 * many a turn took together:
 *
 *     Echo: [m16] [m17] — <filler> (2 messages)
 *
 * A reply counts only when it is complete: it ends with "(N messages)" and names N tokens.
 */

const TOKEN = /\[m(\d+)\]/g;
/** Anchored at the end only: the bot may put a line before the answer (the catch-up's "sent while I was offline"). */
const COMPLETE = /Echo: (.*) \((\d+) messages\)$/s;

/** The token of message number `n`. */
export function tokenText(n: number): string {
  return `[m${n}]`;
}

/** The message numbers a complete echo answers, or undefined for anything else (a partial, a notice). */
export function parseAnswer(content: string): number[] | undefined {
  const match = COMPLETE.exec(content);
  if (!match) return undefined;
  const [head] = match[1]!.split(' — ');
  const numbers = [...head!.matchAll(TOKEN)].map((found) => Number(found[1]));
  return numbers.length === Number(match[2]) ? numbers : undefined;
}

/** One model call as the brain saw it. */
export interface ModelCall {
  index: number;
  /** `Date.now()` when it arrived. */
  at: number;
  purpose: 'turn' | 'summary';
  /** The message numbers it answers. */
  numbers: number[];
  /** What the scenario made of it: `reply`, or the fault's kind. */
  shape: string;
}

/** How a scenario turns the brain's reply into the response (a slow stream, a fault…). */
export type Shaper = (call: ModelCall, reply: ScriptedReply, request: RecordedRequest) => ScriptedResponse;

const SUMMARY_PREFIX = 'Previous summary:';

/**
 * A shaper that streams every answer over about `seconds`, however many messages it names: paced
 * by tokens alone, an answer to a long backlog would stream for longer, and be killed more often.
 */
export function streamedOver(seconds: number): Shaper {
  return (_call, reply) => ({
    fault: { kind: 'slowStream', tokensPerSecond: Math.max(1, countTextTokens(reply.text ?? '') / seconds), reply },
  });
}

export class ChaosBrain {
  readonly calls: ModelCall[] = [];
  /** When a model call first included each message: a turn was working on it from then on. */
  readonly firstSeen = new Map<number, number>();
  private shaper: Shaper = (_call, reply) => reply;

  /** @param filler words after the tokens: longer replies stream for longer. */
  constructor(private readonly filler: string) {}

  setShaper(shaper: Shaper): void {
    this.shaper = shaper;
  }

  readonly script: ScriptFunction = (request) => {
    const at = Date.now();
    if (request.lastUserText?.startsWith(SUMMARY_PREFIX)) {
      this.calls.push({ index: request.index, at, purpose: 'summary', numbers: [], shape: 'reply' });
      return { text: 'The conversation so far: alice asked about the release, several times.' };
    }
    const numbers = unansweredNumbers(request.messages);
    for (const n of numbers) if (!this.firstSeen.has(n)) this.firstSeen.set(n, at);
    const call: ModelCall = { index: request.index, at, purpose: 'turn', numbers, shape: 'reply' };
    this.calls.push(call);
    const tokens = numbers.map(tokenText).join(' ');
    const response = this.shaper(call, { text: `Echo: ${tokens} — ${this.filler} (${numbers.length} messages)` }, request);
    if ('fault' in response) call.shape = response.fault.kind;
    else if (response.toolCalls?.length) call.shape = 'toolCall';
    return response;
  };
}

/**
 * The numbers of the user messages after the last final answer (an assistant message without
 * tool calls): what this turn answers, including messages of turns that failed before it.
 */
function unansweredNumbers(messages: readonly ChatCompletionMessageParam[]): number[] {
  const numbers: number[] = [];
  for (let position = messages.length - 1; position >= 0; position--) {
    const message = messages[position]!;
    if (message.role === 'assistant' && !(message.tool_calls && message.tool_calls.length > 0)) break;
    if (message.role !== 'user') continue;
    const text = typeof message.content === 'string' ? message.content : (message.content ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');
    const found = [...text.matchAll(TOKEN)].map((match) => Number(match[1]));
    numbers.unshift(...found);
  }
  return numbers;
}
