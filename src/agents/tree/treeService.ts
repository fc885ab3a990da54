import { DueLoop } from '../dueLoop.js';
import type { Logger } from '../logger.js';
import type { ChatGateway, HelperView, NewHelper, ProcessSignals, SpawnCircumstances, SpawnPlan, TreeStore } from '../ports.js';
import { withTokenCount } from '../promptMessages.js';
import { isVisiblyEmpty } from '../text.js';
import { type Agent, type TurnLease, isLive } from '../types.js';
import { BUILTIN_HELPERS, GENERAL_HELPER_NAME, type HelperDefinition, findBuiltinHelper } from './builtinHelpers.js';
import type { OutboxDispatcher } from './outboxDispatcher.js';
import { threadName } from './render.js';
import { repeatedAncestorTask } from './taskSimilarity.js';

export interface TreeLimits {
  maxDepth: number;
  maxFanout: number;
  maxLivePerGuild: number;
  treeTokenBudget: number;
  minBudget: number;
  guildDailyTokens: number;
  maxSeconds: number;
  /** HELPER_MODEL: the model of helpers whose definition names none. */
  helperModel: string;
  /** What a spawning helper keeps for its own continuation: one full context plus the reply reserve. */
  continuationTokens: number;
}

export const TASK_MAX_CHARACTERS = 2000;
/** How long a spawn waits for its helpers' threads before reporting the links as "opening…". */
const THREAD_LINK_WAIT_MS = 2000;
/** Helpers past their deadline one transaction ends at most (their subtrees end with them). */
const TIME_OUT_BATCH = 100;
/** How soon timing helpers out is tried again after it failed (the database was away). */
const TIME_OUT_RETRY_MS = 1000;

export interface HelperOrder {
  task: string;
  helper?: string | undefined;
  instructions?: string | undefined;
}

export type SpawnReport =
  | { ok: false; reason: string }
  | { ok: true; callId: number; started: StartedHelper[] };

export interface StartedHelper {
  id: number;
  name: string;
  task: string;
  /** Its thread, once open (null: still opening, or it could not open). */
  threadId: string | null;
  /** Set when it ended already (e.g. its thread could not be opened). */
  failure: string | null;
  budget: number;
}

/**
 * Spawning, cancelling and timing out helpers. Every limit is checked here or, where several
 * processes race (live helpers per guild, budgets), in the store's transaction; every refusal
 * names the limit and its value, so a model can act on it and a person can fix it. Every
 * process times out every process's helpers, at their deadlines: it learns of those set
 * elsewhere by a signal, so a helper whose process died still ends on time.
 */
export class TreeService {
  private readonly timeouts: DueLoop;

  constructor(
    private readonly deps: { tree: TreeStore; gateway: ChatGateway; dispatcher: OutboxDispatcher; signals: ProcessSignals; logger: Logger },
    readonly limits: TreeLimits,
    private readonly onQueued: () => void,
  ) {
    this.timeouts = new DueLoop(() => this.timeOutDue(), { retryMs: TIME_OUT_RETRY_MS, failure: 'timing out helpers failed; will retry' }, deps.logger);
    deps.signals.on('helpers', () => this.timeouts.kick());
  }

  /** Starts timing out helpers at their deadlines (the first pass ends those that passed while no process ran). */
  start(): void {
    this.timeouts.start();
  }

  stop(): Promise<void> {
    return this.timeouts.stop();
  }

  /** Whether this agent may be offered `spawn_helpers`: in a server, below the maximum depth. */
  maySpawn(agent: Agent): boolean {
    return agent.guildId !== null && agent.depth < this.limits.maxDepth;
  }

  /** The helpers that can be named in a spawn, for the tool's description and `/spawn`'s autocomplete. */
  helpers(): readonly HelperDefinition[] {
    return BUILTIN_HELPERS;
  }

  /**
   * Inserts the children (one transaction, with their budgets) and opens their threads, waiting
   * about two seconds for the links. The spawner holds nothing while they work: their results
   * come back as one message when the last of them ends.
   */
  async spawn(
    spawner: Agent,
    orders: readonly HelperOrder[],
    options: { origin: 'tool' | 'command'; lease: TurnLease | null; actsFor: string | null; model?: string; interrupted?: boolean; scheduleId?: number },
  ): Promise<SpawnReport> {
    const { limits } = this;
    if (options.interrupted && options.lease) {
      // The same call, run again after its process died: what it spawned then is its result.
      const earlier = await this.deps.tree.interruptedSpawn(spawner.id, options.lease.turnId);
      if (earlier) {
        this.deps.logger.info({ spawnerId: spawner.id, callId: earlier.callId }, 'an interrupted spawn found again, not repeated');
        return this.report(earlier);
      }
    }
    if (!spawner.guildId) return refuse('helpers work in threads, and direct messages have none: ask in a server channel');
    if (spawner.depth >= limits.maxDepth) return refuse(`the tree is at its maximum depth (HELPER_MAX_DEPTH = ${limits.maxDepth})`);
    if (orders.length < 1) return refuse('name at least one helper');
    if (orders.length > limits.maxFanout) return refuse(`at most ${limits.maxFanout} helpers per call (HELPER_MAX_FANOUT = ${limits.maxFanout}); you asked for ${orders.length}`);
    const home = spawner.homeChannelId ? { channelId: spawner.homeChannelId } : await this.homeChannelOf(spawner);
    if ('refused' in home) return refuse(home.refused);
    const lineage = spawner.kind === 'helper' ? await this.deps.tree.lineage(spawner.id) : [];
    const helpers: NewHelper[] = [];
    for (const order of orders) {
      const built = this.prepare(spawner, order, lineage, options.model);
      if ('refused' in built) return refuse(built.refused);
      helpers.push(built);
    }
    const deadline = new Date(Math.min(Date.now() + limits.maxSeconds * 1000, spawner.kind === 'helper' && spawner.deadlineAt ? spawner.deadlineAt.getTime() : Number.POSITIVE_INFINITY));
    const outcome = await this.deps.tree.spawn({
      spawner,
      lease: options.lease,
      origin: options.origin,
      actsFor: options.actsFor,
      scheduleId: options.scheduleId ?? null,
      homeChannelId: home.channelId,
      deadline,
      helpers,
      plan: (circumstances) => this.plan(helpers.length, circumstances),
    });
    if ('refused' in outcome) return refuse(outcome.refused);
    this.deps.logger.info({ spawnerId: spawner.id, callId: outcome.callId, helpers: outcome.helperIds }, 'helpers spawned');
    this.timeouts.wakeBy(deadline);
    this.deps.signals.send('helpers');
    return this.report(outcome);
  }

  /** Opens the spawned helpers' threads (waiting about two seconds) and says how each started. */
  private async report(outcome: { callId: number; helperIds: number[]; budgets: number[] }): Promise<SpawnReport> {
    await this.deps.dispatcher.openThreads(outcome.helperIds, THREAD_LINK_WAIT_MS);
    const views = await Promise.all(outcome.helperIds.map((id) => this.deps.tree.view(id)));
    return {
      ok: true,
      callId: outcome.callId,
      started: views.map((view, index) => {
        const failed = view !== null && !isLive(view.lifecycle) && view.lifecycle !== 'done';
        // An open thread queued the helper's first turn: a helper still idle and active has none yet.
        const open = view !== null && !failed && (view.runState !== 'idle' || view.lifecycle !== 'active');
        return {
          id: outcome.helperIds[index]!,
          name: view?.name ?? 'helper',
          task: view?.task ?? '',
          threadId: open ? view.threadId : null,
          failure: failed ? (view.result ?? view.lifecycle) : null,
          budget: outcome.budgets[index]!,
        };
      }),
    };
  }

  /**
   * Cancels helpers and their subtrees; their spawners receive `why` (e.g. "cancelled by <@…>")
   * as the result. @returns how many helpers ended.
   */
  async cancel(helperIds: number[], why: string): Promise<number> {
    const { ended, queued } = await this.deps.tree.end(helperIds, { lifecycle: 'cancelled', result: why });
    if (queued) this.onQueued();
    this.deps.dispatcher.kick();
    return ended;
  }

  /** Ends the helpers past HELPER_MAX_SECONDS. @returns when to look again (ms): at once after ending some, else at the next deadline. */
  private async timeOutDue(): Promise<number | null> {
    const { ended, queued } = await this.deps.tree.timeOutDue(TIME_OUT_BATCH);
    if (queued) this.onQueued();
    if (ended === 0) return this.deps.tree.msToNextDeadline();
    this.deps.dispatcher.kick();
    return 0;
  }

  /** Cancels every live helper of the trees a channel agent started (switched off, wiped, its channel gone). */
  async cancelTreesOf(rootId: number, why: string): Promise<number> {
    const live = await this.deps.tree.liveOfRoot(rootId);
    return live.length === 0 ? 0 : this.cancel(live.map((helper) => helper.id), why);
  }

  liveInChannel(guildId: string, channelId: string): Promise<HelperView[]> {
    return this.deps.tree.liveInChannel(guildId, channelId);
  }

  view(helperId: number): Promise<HelperView | null> {
    return this.deps.tree.view(helperId);
  }

  /** The budgets of the children, or why none is spawned (checked under the spawn's locks). */
  private plan(count: number, { liveInGuild, helperTokensToday, spawnerRemaining }: SpawnCircumstances): SpawnPlan {
    const { limits } = this;
    if (liveInGuild + count > limits.maxLivePerGuild) {
      return { refused: `this server has ${liveInGuild} helpers working and allows ${limits.maxLivePerGuild} at once (HELPER_MAX_LIVE_PER_GUILD); wait for some to finish` };
    }
    if (helperTokensToday >= limits.guildDailyTokens) {
      return { refused: `this server's helpers used today's ${limits.guildDailyTokens.toLocaleString('en-US')} tokens (HELPER_GUILD_DAILY_TOKENS); spawning works again after midnight UTC` };
    }
    const available = spawnerRemaining === null ? limits.treeTokenBudget : spawnerRemaining - limits.continuationTokens;
    const share = Math.floor(available / count);
    if (share < limits.minBudget) {
      const affordable = Math.max(0, Math.floor(available / limits.minBudget));
      return {
        refused:
          `not enough token budget: ${Math.max(0, available).toLocaleString('en-US')} tokens to share after keeping ${limits.continuationTokens.toLocaleString('en-US')} for your own answer, ` +
          `and each helper needs at least ${limits.minBudget.toLocaleString('en-US')} (HELPER_MIN_BUDGET)${affordable > 0 ? `; at most ${affordable} could be started` : '; do the work yourself'}`,
      };
    }
    return { budgets: Array.from({ length: count }, () => share) };
  }

  private prepare(spawner: Agent, order: HelperOrder, lineage: Array<{ name: string; task: string }>, model: string | undefined): NewHelper | { refused: string } {
    const task = order.task.trim();
    if (isVisiblyEmpty(task)) return { refused: 'a helper\'s task is empty: say what it should do' };
    if (task.length > TASK_MAX_CHARACTERS) return { refused: `a task can be at most ${TASK_MAX_CHARACTERS} characters (one has ${task.length})` };
    const name = order.helper?.trim() || GENERAL_HELPER_NAME;
    const definition = findBuiltinHelper(name);
    if (!definition) return { refused: `there is no helper named "${name}"; the helpers are ${BUILTIN_HELPERS.map((helper) => helper.name).join(', ')}` };
    const repeated = repeatedAncestorTask(task, lineage.map((ancestor) => ancestor.task));
    if (repeated !== null) {
      return { refused: `the task "${clip(task)}" repeats the task of a helper above it ("${clip(repeated)}"): give a narrower part of it, or do it yourself` };
    }
    const instructions = order.instructions?.trim() || null;
    const spawnerName = spawner.kind === 'helper' ? `the ${spawner.persona.name} helper` : `${spawner.persona.name}, the agent of <#${spawner.channelId}>`;
    const taskMessage = withTokenCount({
      role: 'user',
      content: instructions ? `${task}\n\nInstructions from ${spawnerName}:\n${instructions}` : task,
      authorName: spawner.persona.name,
      inputKind: 'task',
    });
    return {
      persona: { name: definition.name, instructions: definition.instructions, model: model ?? definition.model ?? this.limits.helperModel, temperature: definition.temperature, tools: [...definition.tools] },
      task,
      taskMessage,
      briefing: briefing(spawnerName, task, lineage),
      threadName: threadName(definition.name, task),
    };
  }

  /** A helper's header and thread go in the root text channel: threads cannot nest. */
  private async homeChannelOf(spawner: Agent): Promise<{ channelId: string } | { refused: string }> {
    const channel = await this.deps.gateway.describeChannel(spawner.channelId);
    if (channel.kind === 'text') return { channelId: spawner.channelId };
    if (channel.kind === 'thread' && channel.parentId) return { channelId: channel.parentId };
    return { refused: 'helper threads cannot be opened from this kind of channel (forum, voice or stage): ask in a text channel' };
  }
}

function refuse(reason: string): SpawnReport {
  return { ok: false, reason };
}

/** What a helper is told about its place in the tree (the task itself is its first message). */
function briefing(spawnerName: string, task: string, lineage: Array<{ name: string; task: string }>): string {
  const lines = [
    `You are a helper agent, spawned by ${spawnerName} to do one task; you work in your own Discord thread, where people may also write to you.`,
    `Your task: ${clip(task, 500)}`,
  ];
  if (lineage.length > 0) {
    lines.push('The helpers above you, outermost first:', ...lineage.map((ancestor) => `- ${ancestor.name}: ${clip(ancestor.task, 160)}`));
  }
  lines.push('Your final answer goes back to whoever spawned you, who sees nothing else of your work: make it stand alone.');
  return lines.join('\n');
}

function clip(text: string, characters = 120): string {
  const line = text.replace(/\s+/gu, ' ').trim();
  return line.length <= characters ? line : `${line.slice(0, characters - 1)}…`;
}
