import { z } from 'zod';
import { BUILTIN_HELPERS } from '../tree/builtinHelpers.js';
import { TASK_MAX_CHARACTERS } from '../tree/treeService.js';
import { defineTool } from './tool.js';

export const SPAWN_HELPERS_TOOL = 'spawn_helpers';

/** Far above any fan-out limit: the limit itself is checked, and named, by the tree service. */
const MAX_LISTED = 25;

/**
 * Hands work to helper agents, each in its own thread. It returns at once: the spawner's turn
 * goes on (and, in a channel, says what it started), and the results come back later as one
 * message, when the last helper of this call has ended.
 */
export const spawnHelpersTool = defineTool({
  name: SPAWN_HELPERS_TOOL,
  description:
    'Start helper agents for separable parts of a big job; each works on its own, in its own Discord thread. ' +
    'Returns at once with their threads; all their results come back to you later in one message, so end your ' +
    'turn normally (say what you started) instead of waiting. Only for work worth the time and tokens. Helpers: ' +
    BUILTIN_HELPERS.map((helper) => `${helper.name} (${helper.description})`).join('; '),
  parameters: z.object({
    helpers: z
      .array(
        z.object({
          task: z.string().min(1).max(TASK_MAX_CHARACTERS).describe('What this helper must do, self-contained: it sees nothing else of this conversation.'),
          helper: z.string().max(64).optional().describe('Which helper (default: helper).'),
          instructions: z.string().max(TASK_MAX_CHARACTERS).optional().describe('How to work or report, if it matters.'),
        }),
      )
      .min(1)
      .max(MAX_LISTED),
  }),
  async execute({ helpers }, { agent, lease, requestedBy, tree, interrupted }) {
    const report = await tree.spawn(agent, helpers, { origin: 'tool', lease, actsFor: agent.actsFor ?? requestedBy, interrupted });
    if (!report.ok) return `Not started: ${report.reason}.`;
    const lines = report.started.map((helper, index) => {
      const where = helper.failure ? `failed at once: ${helper.failure}` : helper.threadId ? `thread <#${helper.threadId}>` : 'thread opening…';
      return `${index + 1}. ${helper.name} — ${where} — budget ${helper.budget.toLocaleString('en-US')} tokens — task: ${helper.task.slice(0, 200)}`;
    });
    return [
      `Started ${report.started.length} helper${report.started.length === 1 ? '' : 's'} (spawn #${report.callId}). ` +
        'Their results will come back to you in one message when all have finished; do not wait or check on them.',
      ...lines,
    ].join('\n');
  },
});
