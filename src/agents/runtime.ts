import type { AttachmentReader } from './attachmentReader.js';
import type { ContextBuilder } from './context.js';
import { retryWrite } from './databaseRetry.js';
import { ChatRefusal, HelperEndedError, LeaseLostError, ModelError } from './errors.js';
import type { Logger } from './logger.js';
import { capNoticeNonce, scheduleNoticeNonce } from './nonce.js';
import type { ChatGateway, ChatModel, Claim, EngineStores, TurnResult, UsageRecord } from './ports.js';
import { withTokenCount } from './promptMessages.js';
import { ReplyStreamer } from './replyStreamer.js';
import type { Summarizer } from './summarizer.js';
import { type ScheduleManager, pausedNotice, resumeActionId } from './schedules.js';
import { CANCEL_SCHEDULE_TOOL, LIST_SCHEDULES_TOOL, SCHEDULE_TASK_TOOL } from './tools/schedules.js';
import { SPAWN_HELPERS_TOOL } from './tools/spawnHelpers.js';
import type { Toolbox } from './tools/tool.js';
import type { TreeService } from './tree/treeService.js';
import { type Agent, type Schedule, type ToolCall, isLive } from './types.js';

export interface RuntimeOptions {
  replyTokenReserve: number;
  streamEditIntervalMs: number;
  /** How long a turn keeps retrying its writes while the database is unreachable. */
  databaseRetryMs: number;
  /** Tokens a guild may use per UTC day (null: no cap). */
  guildDailyTokens: number | null;
  isVisionModel: (model: string) => boolean;
}

/** Above an answer to messages sent while no bot process was connected (Discord's small-text line). */
export const OFFLINE_NOTE = '-# Sent while I was offline: answered now.';

/** Model calls one turn may make: a model that keeps calling tools is stopped here. */
export const MAX_MODEL_CALLS_PER_TURN = 6;

/** The custom id of the Retry button under an error notice. */
export function retryActionId(agentId: number): string {
  return `retry:${agentId}`;
}

export interface TurnOutcome extends Omit<TurnResult, 'status'> {
  /**
   * `aborted`: this process leaves the turn to its lease — it was lost (another process holds the
   * turn; this one changed nothing more), or the answer is shown but the database stayed away.
   */
  status: TurnResult['status'] | 'aborted';
  /** Milliseconds spent waiting for the model: the rest of the turn is our overhead. */
  modelMs: number;
}

/**
 * Runs one turn of one agent: fold history if due, build the context, call the model (streaming
 * the reply into Discord), run the tools it calls and call it again with their results, then
 * store the answer once it is shown. Every tool call and result is stored as it happens, so a
 * resumed turn never runs a tool twice, and every write names the turn's lease: once `signal`
 * says the lease is lost, the model call is aborted and nothing more is posted or stored.
 */
export class AgentRuntime {
  constructor(
    private readonly deps: {
      stores: EngineStores;
      model: ChatModel;
      gateway: ChatGateway;
      context: ContextBuilder;
      summarizer: Summarizer;
      attachments: AttachmentReader;
      toolbox: Toolbox;
      tree: TreeService;
      schedules: ScheduleManager;
      logger: Logger;
    },
    private readonly options: RuntimeOptions,
  ) {}

  async runTurn(claim: Claim, signal: AbortSignal): Promise<TurnOutcome> {
    const { stores, gateway, logger } = this.deps;
    const log = logger.child({ agentId: claim.agent.id, turnId: claim.turn.id, channelId: claim.agent.channelId });
    const turnAbort = new AbortController();
    signal.addEventListener('abort', () => turnAbort.abort(signal.reason), { once: true });
    const retry = <T>(write: () => Promise<T>, what: string) =>
      retryWrite(write, { deadlineMs: this.options.databaseRetryMs, signal: turnAbort.signal, logger: log, what });
    const replyTo = claim.offlineMessageId ?? undefined;
    // A schedule's firing, or the results of the helper it spawned: posted as the schedule says.
    const firing = claim.unanswered && claim.answerInput?.kind === 'schedule' ? await stores.schedules.firingOf(claim.answerThroughId!) : null;
    const schedule = firing?.schedule ?? (claim.unanswered && claim.answerInput?.scheduleId ? await stores.schedules.byId(claim.answerInput.scheduleId) : null);
    const mentionRoleId = schedule?.mentionRoleId ?? null;
    const posting = { replyTo, silent: schedule !== null && !schedule.notify, mentionRoleId };
    const streamer = new ReplyStreamer({ gateway, outbox: stores.outbox, logger: log }, claim, this.options.streamEditIntervalMs, turnAbort, posting);
    // What the people reading it need to know: the answer is late because the bot was away; the
    // role the schedule's creator chose to ping (never written by the model).
    const shownAs = (parts: string[]) => [mentionRoleId && `<@&${mentionRoleId}>`, replyTo && OFFLINE_NOTE, joinShown(parts)].filter(Boolean).join('\n');
    let modelMs = 0;
    try {
      if (!claim.unanswered) return { status: 'done', modelMs };
      if (firing) {
        const refusal = await this.refuseFiring(claim, firing.schedule, log);
        if (refusal) return { ...refusal, modelMs };
      }
      if (await this.overDailyCap(claim.agent)) {
        const refused = await this.refuseOverCap(claim, log);
        return firing ? { ...refused, skipped: `the server had used its daily token budget (GUILD_DAILY_TOKENS = ${this.options.guildDailyTokens})` } : refused;
      }
      await streamer.start();
      const shown = claim.turn.shown;
      if (shown) {
        // An earlier attempt showed and stored the answer; make sure it is all there, and end.
        await streamer.finish(shown.text);
        if (!(await this.storeShown(() => streamer.save(), retry, log))) return { status: 'aborted', modelMs };
        return { status: 'done', modelMs, seenThroughId: shown.seenThroughId ?? undefined, noticeMessageId: null, answer: shown.text };
      }
      if (firing?.schedule.helper) {
        // The firing hands the task to its helper, in a thread; the result comes back to this agent.
        const text = await this.spawnScheduledHelper(claim, firing.schedule);
        await streamer.finish(shownAs([text.shown]));
        const message = withTokenCount({ role: 'assistant', content: text.shown, turnId: claim.turn.id, seenThroughId: claim.answerThroughId });
        await retry(() => stores.messages.appendToTurn(claim.lease, claim.agent, message).then(() => streamer.save()), 'storing the firing');
        return text.failed
          ? { status: 'failed', error: text.failed, modelMs, seenThroughId: claim.answerThroughId, noticeMessageId: null }
          : { status: 'done', modelMs, seenThroughId: claim.answerThroughId, noticeMessageId: null, answer: text.shown };
      }
      if (claim.pendingAttachments) await this.deps.attachments.readPending(claim, retry);
      const agent = await this.foldHistory(claim, log);
      const toolbox = this.toolboxFor(agent, claim);
      if (claim.turn.attempts > 1) await this.finishInterruptedCalls(agent, claim, log);
      const imagesAfterId = this.options.isVisionModel(agent.persona.model) ? claim.answeredThroughId : undefined;
      const shownParts: string[] = [];
      // The first build sees the inputs this turn answers; later builds keep to what it saw.
      let seenThroughId: number | undefined;
      let oldestInContextId: number | undefined;
      for (let call = 1; call <= MAX_MODEL_CALLS_PER_TURN; call++) {
        const tools = call < MAX_MODEL_CALLS_PER_TURN ? toolbox.specs() : [];
        const context = await this.deps.context.build(agent, tools, { imagesAfterId, seenThroughId: seenThroughId ?? claim.answerThroughId });
        if (seenThroughId === undefined) {
          seenThroughId = context.newestMessageId;
          oldestInContextId = context.oldestIncludedId;
        }
        const shortOf = await this.budgetShortfall(agent, context.promptTokens);
        if (shortOf !== null) {
          // The helper ends with what it has: its budget cannot pay for another call.
          const answer = joinShown([...shownParts, `⚠️ My token budget ran out (${shortOf}), so this is what I have.`]);
          await streamer.finish(shownAs([answer]));
          const message = withTokenCount({ role: 'assistant', content: answer, turnId: claim.turn.id, seenThroughId });
          await retry(() => stores.messages.appendToTurn(claim.lease, agent, message).then(() => streamer.save()), 'storing the last answer');
          log.info({ shortOf }, 'helper ended: its token budget ran out');
          return { status: 'done', modelMs, seenThroughId, noticeMessageId: null, answer };
        }
        const startedAt = performance.now();
        const response = await this.deps.model.complete(
          {
            model: agent.persona.model,
            temperature: agent.persona.temperature,
            messages: context.messages,
            tools,
            maxTokens: this.options.replyTokenReserve,
          },
          { onText: (text) => streamer.update(shownAs([...shownParts, text])), signal: turnAbort.signal },
        );
        modelMs += performance.now() - startedAt;
        const usage: UsageRecord = { agent, userId: claim.turn.requestedBy, model: agent.persona.model, purpose: 'turn', ...response.usage };
        if (response.text.trim()) shownParts.push(response.text.trim());
        if (response.toolCalls.length === 0) {
          // Shown first, stored second: a crash in between resumes the turn, which regenerates
          // the answer and edits the messages already posted; a crash after it only ends the turn.
          const shownText = shownAs(shownParts);
          await streamer.finish(shownText);
          const message = withTokenCount({ role: 'assistant', content: response.text, turnId: claim.turn.id, seenThroughId });
          const stored = await this.storeShown(() => streamer.save().then(() => stores.queue.recordAnswer(claim.lease, { message, usage, shownText })), retry, log);
          return stored ? { status: 'done', modelMs, seenThroughId, noticeMessageId: null, answer: response.text } : { status: 'aborted', modelMs };
        }
        await stores.usage.record(claim.lease, usage);
        await this.runTools(agent, claim, { text: response.text, calls: response.toolCalls, seenThroughId, oldestInContextId }, log);
      }
      throw new Error(`the model was still calling tools after ${MAX_MODEL_CALLS_PER_TURN} calls`);
    } catch (error) {
      if (turnAbort.signal.reason instanceof HelperEndedError) {
        // Cancelled or timed out meanwhile: the turn stops here, and is ended (this process still holds it).
        await streamer.fail('⏹️ Stopped: this helper was cancelled or ran out of time.', []);
        log.info({ agentId: claim.agent.id }, 'helper turn stopped: the helper was cancelled or timed out');
        return { status: 'failed', error: 'cancelled', modelMs };
      }
      if (turnAbort.signal.aborted || error instanceof LeaseLostError) {
        await streamer.abandon();
        log.warn({ err: error }, 'turn aborted: its lease was taken over by another process');
        return { status: 'aborted', modelMs };
      }
      if (firing && error instanceof ChatRefusal) {
        // The channel no longer takes the bot's posts: its schedules stop until someone resumes them.
        await stores.schedules.pause({ channelId: claim.agent.channelId }, error.reason);
        log.warn({ scheduleId: firing.schedule.id, reason: error.reason }, 'schedules of a channel the bot cannot post in are paused');
      }
      log.error({ err: error }, 'turn failed');
      const errorText = error instanceof Error ? error.message : String(error);
      if (firing) {
        // A firing is not retried by hand: its next fire time is its retry (and 3 failures in a row pause it).
        await streamer.fail(`${noticeReason(error)} Scheduled task #${firing.schedule.id} failed this time; it runs again at its next fire time.`, []);
        return { status: 'failed', error: errorText, modelMs, noticeMessageId: null };
      }
      const noticeMessageId = await streamer.fail(noticeText(error), [{ id: retryActionId(claim.agent.id), label: 'Retry' }]);
      return { status: 'failed', error: errorText, modelMs, noticeMessageId };
    }
  }

  /**
   * Stores what an answer that is on the screen needs (waiting out the database). When the
   * database stays away, the answer stays shown and the turn is left to its lease: it is resumed
   * once the database is back, editing what it posted — never replaced by a failure notice.
   * @returns false when it was left so.
   */
  private async storeShown(store: () => Promise<void>, retry: <T>(write: () => Promise<T>, what: string) => Promise<T>, log: Logger): Promise<boolean> {
    try {
      await retry(store, 'storing the shown answer');
      return true;
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      log.error({ err: error }, 'the answer is shown but could not be stored; the turn is resumed when the database is back');
      return false;
    }
  }

  private async overDailyCap(agent: Agent): Promise<boolean> {
    const cap = this.options.guildDailyTokens;
    if (cap === null || !agent.guildId) return false;
    const { today } = await this.deps.stores.usage.totals({ guildId: agent.guildId });
    return today.promptTokens + today.completionTokens >= cap;
  }

  /**
   * The guild used its tokens for today: the channel is told once a day when it can ask again,
   * and what waits now is left unanswered (not answered by itself at midnight).
   */
  private async refuseOverCap(claim: Claim, log: Logger): Promise<TurnOutcome> {
    const { stores, gateway } = this.deps;
    const context = await this.deps.context.build(claim.agent, []);
    const now = new Date();
    if (await stores.agents.markCapNotice(claim.agent.id, now.toISOString().slice(0, 10))) {
      const resetsAt = Math.floor(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) / 1000);
      const content = `⏳ This server has used today's budget of ${this.options.guildDailyTokens!.toLocaleString('en-US')} model tokens. I can answer again <t:${resetsAt}:R>.`;
      await gateway.postMessage({ channelId: claim.agent.channelId, content, nonce: capNoticeNonce(claim.turn.id) });
    }
    log.info({ guildId: claim.agent.guildId }, 'not answered: the guild reached GUILD_DAILY_TOKENS');
    return { status: 'done', modelMs: 0, seenThroughId: context.newestMessageId };
  }

  /**
   * The tools this agent is offered: a helper exactly its definition's (never a channel agent's),
   * `spawn_helpers` only in a server and below the maximum depth, schedule tools only in a server,
   * and `schedule_task` never in a turn a schedule started (a schedule cannot breed schedules).
   */
  private toolboxFor(agent: Agent, claim: Claim): Toolbox {
    let toolbox = this.deps.toolbox.forPersona(agent.kind === 'helper' ? (agent.persona.tools ?? []) : agent.persona.tools);
    if (!this.deps.tree.maySpawn(agent)) toolbox = toolbox.without(SPAWN_HELPERS_TOOL);
    if (agent.guildId === null) toolbox = toolbox.without(SCHEDULE_TASK_TOOL).without(LIST_SCHEDULES_TOOL).without(CANCEL_SCHEDULE_TOOL);
    if (claim.answerInput?.scheduleId) toolbox = toolbox.without(SCHEDULE_TASK_TOOL);
    return toolbox;
  }

  /**
   * The creator's permission is checked again at every firing: one who left or lost it pauses
   * the schedule (the channel is told, with a Resume button) and the firing is skipped.
   */
  private async refuseFiring(claim: Claim, schedule: Schedule, log: Logger): Promise<Omit<TurnOutcome, 'modelMs'> | null> {
    const { stores, gateway } = this.deps;
    if (await gateway.memberHasPermission(claim.agent, schedule.createdBy, 'ManageChannels')) return null;
    const reason = `its creator <@${schedule.createdBy}> no longer has the Manage Channels permission here (or left the server)`;
    const [paused] = await stores.schedules.pause({ scheduleId: schedule.id }, reason);
    if (paused) {
      const actions = [{ id: resumeActionId(schedule.id), label: 'Resume' }];
      await gateway.postMessage({ channelId: claim.agent.channelId, content: pausedNotice(paused), nonce: scheduleNoticeNonce(claim.turn.id), actions, silent: true });
    }
    log.info({ scheduleId: schedule.id }, 'schedule paused at its firing: its creator lost the permission');
    return { status: 'done', seenThroughId: claim.answerThroughId, skipped: reason, noticeMessageId: null };
  }

  private async spawnScheduledHelper(claim: Claim, schedule: Schedule): Promise<{ shown: string; failed?: string }> {
    const report = await this.deps.tree.spawn(claim.agent, [{ task: schedule.task, helper: schedule.helper ?? undefined }], {
      origin: 'tool',
      lease: claim.lease,
      actsFor: schedule.createdBy,
      scheduleId: schedule.id,
      interrupted: claim.turn.attempts > 1,
    });
    if (!report.ok) return { shown: `⚠️ Scheduled task #${schedule.id} could not start its ${schedule.helper} helper: ${report.reason}.`, failed: report.reason };
    const [started] = report.started;
    const where = started?.threadId ? `in <#${started.threadId}>` : 'in a thread that is opening';
    return { shown: `⏰ Scheduled task #${schedule.id}: the ${schedule.helper} helper is working on it ${where}; its result will follow here.` };
  }

  /**
   * For a working helper, why its remaining budget cannot pay for a call with this prompt and the
   * reply reserve (counted in our own tokens), or null when it can. Channel agents have no budget.
   */
  private async budgetShortfall(agent: Agent, promptTokens: number): Promise<string | null> {
    // A follow-up in a finished helper's thread spends outside its tree (the guild's caps still count it).
    if (agent.kind !== 'helper' || !isLive(agent.lifecycle)) return null;
    const remaining = await this.deps.stores.tree.remainingBudget(agent.id);
    const needed = promptTokens + this.options.replyTokenReserve;
    if (remaining === null || remaining >= needed) return null;
    return `${Math.max(0, remaining).toLocaleString('en-US')} tokens left, the next step needed ${needed.toLocaleString('en-US')}`;
  }

  private async foldHistory(claim: Claim, log: Logger): Promise<Agent> {
    try {
      const agent = claim.agent;
      const canSpend = async (tokens: number) => (await this.budgetShortfall(agent, tokens - this.options.replyTokenReserve)) === null;
      return await this.deps.summarizer.foldIfNeeded(agent, claim.unsummarisedTokens, claim.lease, canSpend);
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      // The context builder keeps the prompt within budget without the fold; try again next turn.
      log.warn({ err: error }, 'summarising history failed');
      return claim.agent;
    }
  }

  private async runTools(
    agent: Agent,
    claim: Claim,
    { text, calls, seenThroughId, oldestInContextId }: { text: string; calls: ToolCall[]; seenThroughId: number | undefined; oldestInContextId: number | undefined },
    log: Logger,
  ): Promise<void> {
    const { stores } = this.deps;
    await stores.messages.appendToTurn(claim.lease, agent, withTokenCount({ role: 'assistant', content: text, toolCalls: calls, turnId: claim.turn.id, seenThroughId }));
    for (const call of calls) await this.runTool(agent, claim, call, { seenThroughId, oldestInContextId, interrupted: false }, log);
  }

  /**
   * A turn resumed after its process died may have stored a tool call without its result. Left
   * so, the context would leave the call out and the model would make it again (a second spawn,
   * say); it is run again instead, told that it was interrupted, before the model is asked.
   */
  private async finishInterruptedCalls(agent: Agent, claim: Claim, log: Logger): Promise<void> {
    const unanswered = await this.deps.stores.messages.unansweredToolCalls(agent.id, claim.turn.id);
    for (const { call, seenThroughId } of unanswered) {
      log.info({ tool: call.name }, 'running again a tool call its process died in');
      await this.runTool(agent, claim, call, { seenThroughId: seenThroughId ?? undefined, oldestInContextId: undefined, interrupted: true }, log);
    }
  }

  /** Runs one tool call and stores its result. */
  private async runTool(
    agent: Agent,
    claim: Claim,
    call: ToolCall,
    { seenThroughId, oldestInContextId, interrupted }: { seenThroughId: number | undefined; oldestInContextId: number | undefined; interrupted: boolean },
    log: Logger,
  ): Promise<void> {
    const { stores, gateway } = this.deps;
    const turnId = claim.turn.id;
    const context = { agent, turn: claim.turn, requestedBy: claim.turn.requestedBy, actsFor: claim.actsFor, oldestInContextId, lease: claim.lease, stores, gateway, tree: this.deps.tree, schedules: this.deps.schedules, interrupted };
    // Only the tools this agent was offered: a model naming another (a helper calling `forget`) is refused.
    const { result, ok } = await this.toolboxFor(agent, claim).run(call, context);
    log.info({ tool: call.name, ok }, 'tool called');
    await stores.messages.appendToTurn(
      claim.lease,
      agent,
      withTokenCount({ role: 'tool', content: result, toolCallId: call.id, toolName: call.name, turnId, seenThroughId }),
    );
  }
}

/** A short, specific notice for a Retry button; the user's message stays in the history. */
function noticeText(error: unknown): string {
  return `${noticeReason(error)} Your message is saved: press Retry to try again.`;
}

function noticeReason(error: unknown): string {
  return `⚠️ ${error instanceof ModelError ? error.userMessage : 'Sorry — something went wrong on my side while answering.'}`;
}

function joinShown(parts: string[]): string {
  return parts.filter((part) => part.trim().length > 0).join('\n\n');
}
