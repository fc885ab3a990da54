import { z } from 'zod';
import { truncate } from '../promptMessages.js';
import { defineTool } from './tool.js';

const EXCERPT_CHARACTERS = 300;

/** Full-text search over what the model no longer sees: older messages, summarised or from before a /reset. */
export const recallTool = defineTool({
  name: 'recall',
  description:
    'Search the older messages of this channel\'s conversation (word search; a helper searches the channel its tree started in). Use it when someone refers to something said long ago.',
  parameters: z.object({
    query: z.string().trim().min(1, 'the query is empty').max(200),
    limit: z.number().int().min(1).max(20).optional(),
  }),
  async execute({ query, limit }, { agent, stores, oldestInContextId }) {
    // A helper searches its root channel's conversation: that is the context its task came from.
    const hits =
      agent.kind === 'helper' && agent.rootId !== null
        ? await stores.messages.search(agent.rootId, query, { limit: limit ?? 5 })
        : await stores.messages.search(agent.id, query, { limit: limit ?? 5, beforeId: oldestInContextId });
    if (hits.length === 0) return `No earlier messages match "${query}".`;
    return hits
      .map((hit) => `[${hit.createdAt.toISOString().slice(0, 16).replace('T', ' ')}] ${hit.role === 'assistant' ? 'you' : (hit.authorName ?? 'someone')}: ${truncate(hit.content, EXCERPT_CHARACTERS)}`)
      .join('\n');
  },
});
