import { z } from 'zod';
import { isVisiblyEmpty } from '../text.js';
import { defineTool } from './tool.js';

export const FACT_MAX_CHARACTERS = 500;
export const FACTS_PER_AGENT_MAX = 200;

/** Keeps a fact in the agent's memory, shown in every later prompt. */
export const rememberTool = defineTool({
  name: 'remember',
  description: 'Keep a short fact in your long-term memory for this channel (e.g. a preference or a decision someone asked you to remember).',
  parameters: z.object({
    fact: z
      .string()
      .trim()
      .min(1, 'the fact is empty')
      .max(FACT_MAX_CHARACTERS, `at most ${FACT_MAX_CHARACTERS} characters`)
      .refine((fact) => !isVisiblyEmpty(fact), 'the fact is empty (blank or invisible characters only)'),
  }),
  async execute({ fact }, { agent, requestedBy, stores }) {
    if ((await stores.memory.countFacts(agent.id)) >= FACTS_PER_AGENT_MAX) {
      return `Memory is full (${FACTS_PER_AGENT_MAX} facts). Ask a moderator to remove some with /memory forget.`;
    }
    const saved = await stores.memory.addFact(agent, fact, requestedBy);
    return `Remembered as fact #${saved.id}: ${saved.content}`;
  },
});
