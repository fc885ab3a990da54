import { defaultPersona } from '../../../src/agents/persona.js';
import { withTokenCount } from '../../../src/agents/promptMessages.js';
import type { ChannelRef, NewMessage } from '../../../src/agents/types.js';

let sequence = 0;

/** A channel of its own for each call, so tests in one database never collide. */
export function newChannel(guildId: string | null = 'guild-1'): ChannelRef {
  sequence += 1;
  return { guildId, channelId: `${Date.now()}${process.pid}${sequence}` };
}

export const testPersona = defaultPersona('gpt-4o-mini');

export function userMessage(content: string, options: { authorName?: string; discordMessageId?: string } = {}): NewMessage {
  sequence += 1;
  return withTokenCount({
    role: 'user',
    content,
    authorId: 'user-1',
    authorName: options.authorName ?? 'Alice',
    discordMessageId: options.discordMessageId ?? `m${Date.now()}${process.pid}${sequence}`,
  });
}
