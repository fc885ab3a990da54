import { z } from 'zod';
import { defineTool } from './tool.js';

/**
 * Removes a fact; only when everyone the turn answers could run /memory forget themselves (a
 * member's request must not run with an admin's rights because the admin spoke in the same turn).
 */
export const forgetTool = defineTool({
  name: 'forget',
  description: 'Remove a fact from your long-term memory by its id (the number in brackets in your facts).',
  parameters: z.object({ fact_id: z.number().int().positive() }),
  async execute({ fact_id: factId }, { agent, actsFor, stores, gateway }) {
    const allowed =
      actsFor.length > 0 && (await Promise.all(actsFor.map((userId) => gateway.memberHasPermission(agent, userId, 'ManageMessages')))).every(Boolean);
    if (!allowed) {
      return 'Refused: only someone with the Manage Messages permission may make me forget facts.';
    }
    return (await stores.memory.forgetFact(agent.id, factId)) ? `Forgot fact #${factId}.` : `There is no fact #${factId}.`;
  },
});
