import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';

/**
 * Token counting shared by the context builder and the scripted LLM server, so that budget
 * tests measure the same thing the engine budgets for. o200k_base is the encoding of current
 * OpenAI models; other providers differ a little, which the safety margin absorbs.
 */

/** Framing tokens the chat format adds around every message (role, separators). */
export const MESSAGE_OVERHEAD_TOKENS = 4;
/** Tokens the chat format adds once per request to prime the reply. */
export const REQUEST_OVERHEAD_TOKENS = 3;
/** Share added on top of the exact count, for tokenizer differences between providers. */
export const SAFETY_MARGIN = 0.02;

export function countTextTokens(text: string): number {
  return text.length === 0 ? 0 : countO200k(text);
}

/** A message part as the chat-completions API sees it; images are counted at a flat rate. */
export type CountableContent = string | null | undefined | ReadonlyArray<{ type: string; text?: string }>;

/** Flat cost of one image part at low detail, as OpenAI bills it. */
export const IMAGE_PART_TOKENS = 85;

export function countContentTokens(content: CountableContent): number {
  if (content == null) return 0;
  if (typeof content === 'string') return countTextTokens(content);
  let total = 0;
  for (const part of content) total += part.type === 'text' ? countTextTokens(part.text ?? '') : IMAGE_PART_TOKENS;
  return total;
}

export interface CountableMessage {
  role: string;
  content?: CountableContent;
  name?: string;
  tool_calls?: ReadonlyArray<{ function: { name: string; arguments: string } }>;
}

export function countMessageTokens(message: CountableMessage): number {
  let total = MESSAGE_OVERHEAD_TOKENS + countContentTokens(message.content);
  if (message.name) total += countTextTokens(message.name);
  for (const call of message.tool_calls ?? []) {
    total += countTextTokens(call.function.name) + countTextTokens(call.function.arguments);
  }
  return total;
}

/** Tokens a whole request costs: its messages plus the JSON of the tools it offers. */
export function countRequestTokens(messages: readonly CountableMessage[], tools?: readonly unknown[]): number {
  let total = REQUEST_OVERHEAD_TOKENS;
  for (const message of messages) total += countMessageTokens(message);
  if (tools && tools.length > 0) total += countTextTokens(JSON.stringify(tools));
  return total;
}

/** The count with the safety margin applied: what a budget must be compared against. */
export function withSafetyMargin(tokens: number): number {
  return Math.ceil(tokens * (1 + SAFETY_MARGIN));
}

/** The text cut (with an ellipsis) to at most `maxTokens` tokens. */
export function clipToTokens(text: string, maxTokens: number): string {
  if (countTextTokens(text) <= maxTokens) return text;
  let characters = Math.floor(maxTokens * 3);
  while (characters > 0 && countTextTokens(text.slice(0, characters)) > maxTokens - 1) characters = Math.floor(characters * 0.9);
  return `${text.slice(0, characters)}…`;
}
