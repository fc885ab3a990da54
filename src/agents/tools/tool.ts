import { z } from 'zod';
import type { ChatGateway, EngineStores, ToolSpec } from '../ports.js';
import type { ScheduleManager } from '../schedules.js';
import type { TreeService } from '../tree/treeService.js';
import type { Agent, ToolCall, Turn, TurnLease } from '../types.js';

/** What a tool may use while it runs: the agent, the turn, and who asked. */
export interface ToolContext {
  agent: Agent;
  turn: Turn;
  /** The person the turn's newest input came from (or acts for): facts are attributed to them. */
  requestedBy: string | null;
  /** Everyone whose input the turn answers: a permission-gated tool acts only when every one holds it. */
  actsFor: readonly string[];
  /** The oldest message the model sees in this turn: recall searches what came before it. */
  oldestInContextId: number | undefined;
  /** The turn's lease: writes of a tool are fenced by it. */
  lease: TurnLease;
  /**
   * This call was stored by an earlier attempt of the turn whose process died before its result
   * was: it may have had its effect already, and a tool that acts must find it, not repeat it.
   */
  interrupted: boolean;
  stores: EngineStores;
  gateway: ChatGateway;
  tree: TreeService;
  schedules: ScheduleManager;
}

/** A tool the model can call: its arguments are validated before it runs. */
export interface Tool<Args = unknown> {
  name: string;
  description: string;
  parameters: z.ZodType<Args>;
  /** Returns the text the model reads as the result; refusals are results too, not throws. */
  execute(args: Args, context: ToolContext): Promise<string>;
}

/** Keeps each tool's type when tools of different argument types share a list. */
export function defineTool<Args>(tool: Tool<Args>): Tool<unknown> {
  return tool as Tool<unknown>;
}

/** Tool results longer than this are cut: one result must not crowd out the conversation. */
export const TOOL_RESULT_MAX_CHARACTERS = 8000;

/** The tools one agent may use, and how the model's calls to them are run. */
export class Toolbox {
  private readonly byName: Map<string, Tool>;
  private cachedSpecs: ToolSpec[] | undefined;
  private readonly personaToolboxes = new Map<string, Toolbox>();

  constructor(tools: readonly Tool[]) {
    this.byName = new Map(tools.map((tool) => [tool.name, tool]));
  }

  /** This toolbox without one tool. */
  without(name: string): Toolbox {
    if (!this.byName.has(name)) return this;
    return this.forPersona([...this.byName.keys()].filter((tool) => tool !== name));
  }

  /** Only the tools the persona allows (all of them when it names none). */
  forPersona(allowed: string[] | null): Toolbox {
    if (allowed === null) return this;
    const key = allowed.join('\u0000');
    let toolbox = this.personaToolboxes.get(key);
    if (!toolbox) {
      toolbox = new Toolbox([...this.byName.values()].filter((tool) => allowed.includes(tool.name)));
      this.personaToolboxes.set(key, toolbox);
    }
    return toolbox;
  }

  /** The schemas offered to the model; built once, since they never change. */
  specs(): ToolSpec[] {
    this.cachedSpecs ??= [...this.byName.values()].map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        description: tool.description,
        parameters: z.toJSONSchema(tool.parameters, { target: 'draft-7' }) as Record<string, unknown>,
      },
    }));
    return this.cachedSpecs;
  }

  /**
   * Runs one call. Malformed or invalid arguments, unknown tools and tool failures become
   * results that tell the model what went wrong, so it can correct itself; nothing throws.
   */
  async run(call: ToolCall, context: ToolContext): Promise<{ result: string; ok: boolean }> {
    const tool = this.byName.get(call.name);
    if (!tool) return { result: `Error: there is no tool named "${call.name}".`, ok: false };
    let raw: unknown;
    try {
      raw = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
    } catch (error) {
      return { result: `Error: the arguments were not valid JSON (${(error as Error).message}). Call ${call.name} again with a JSON object.`, ok: false };
    }
    const parsed = tool.parameters.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'arguments'}: ${issue.message}`).join('; ');
      return { result: `Error: invalid arguments for ${call.name} — ${problems}.`, ok: false };
    }
    const result = await tool.execute(parsed.data, context);
    return {
      result: result.length > TOOL_RESULT_MAX_CHARACTERS ? `${result.slice(0, TOOL_RESULT_MAX_CHARACTERS)}… [cut]` : result,
      ok: true,
    };
  }
}
