import { setTimeout as delay } from 'node:timers/promises';
import type { ChatModel, ModelCallOptions, ModelRequest, ModelResponse } from '../agents/ports.js';
import { countRequestTokens, countTextTokens } from '../agents/tokens.js';
import { demoBrainReply } from './demoBrain.js';

/** Said under every demo reply, so nobody mistakes the scripted brain for a model. */
// Italics, not subtext (`-# `): a helper's result is quoted on one line, where `-#` would show as it is.
export const DEMO_BRAIN_NOTE = '*(🪆 demo brain: scripted answers, no model is configured; set OPENAI_API_KEY or OPENAI_BASE_URL for a real one)*';

/**
 * Words streamed a second: slow enough that a reply is visibly edited as it grows (the bot edits
 * at most once every STREAM_EDIT_INTERVAL_MS), as a real model's would be.
 */
const WORDS_PER_SECOND = 8;

/**
 * The playground's model when none is configured: the demo brain (the same one the test server
 * answers with) behind the engine's model port, streaming its text word by word.
 */
export class DemoChatModel implements ChatModel {
  async complete(request: ModelRequest, options: ModelCallOptions = {}): Promise<ModelResponse> {
    const reply = demoBrainReply({ messages: request.messages, toolNames: request.tools.map((tool) => tool.function.name) });
    const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({ id: `demo_${index}`, name: call.name, arguments: JSON.stringify(call.arguments) }));
    const text = toolCalls.length > 0 ? '' : `${reply.text ?? ''}\n${DEMO_BRAIN_NOTE}`;
    await streamWords(text, options);
    return {
      text,
      toolCalls,
      usage: { promptTokens: countRequestTokens(request.messages, request.tools), completionTokens: countTextTokens(text) + countTextTokens(toolCalls.map((call) => call.arguments).join('')) },
    };
  }
}

async function streamWords(text: string, { onText, signal }: ModelCallOptions): Promise<void> {
  const words = text.split(/(?<=\s)/);
  let soFar = '';
  for (const word of words) {
    try {
      await delay(1000 / WORDS_PER_SECOND, undefined, { signal });
    } catch (error) {
      throw signal?.reason ?? error;
    }
    soFar += word;
    onText?.(soFar);
  }
}
