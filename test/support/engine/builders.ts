import { defaultPersona } from '../../../src/agents/persona.js';
import { withTokenCount } from '../../../src/agents/promptMessages.js';
import type { EngineStores } from '../../../src/agents/ports.js';
import type { Agent, ChannelRef, NewMessage } from '../../../src/agents/types.js';

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

/** Creates the channel's agent if needed, then stores `message` and queues the agent, as a chat message would. */
export async function acceptMessage(stores: EngineStores, where: ChannelRef, message: NewMessage): Promise<{ accepted: boolean; agent: Agent }> {
  const agent = await stores.agents.getOrCreateChannelAgent(where, testPersona);
  const accepted = await stores.agents.acceptIfListening(where.channelId, message);
  return accepted ? { accepted: true, agent: accepted.agent } : { accepted: false, agent };
}
