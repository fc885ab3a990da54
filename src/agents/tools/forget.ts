import { z } from 'zod';
import { defineTool } from './tool.js';

/** Removes a fact; only for users who could run /memory forget themselves. */
export const forgetTool = defineTool({
  name: 'forget',
  description: 'Remove a fact from your long-term memory by its id (the number in brackets in your facts).',
  parameters: z.object({ fact_id: z.number().int().positive() }),
  async execute({ fact_id: factId }, { agent, requestedBy, stores, gateway }) {
    const allowed = requestedBy !== null && (await gateway.memberHasPermission(agent, requestedBy, 'ManageMessages'));
    if (!allowed) {
      return 'Refused: only someone with the Manage Messages permission may make me forget facts.';
    }
    return (await stores.memory.forgetFact(agent.id, factId)) ? `Forgot fact #${factId}.` : `There is no fact #${factId}.`;
  },
});
