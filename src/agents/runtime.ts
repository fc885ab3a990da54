import type { ContextBuilder } from './context.js';
import { ModelError } from './errors.js';
import type { Logger } from './logger.js';
import { errorNonce } from './nonce.js';
import type { ChatGateway, ChatModel, Claim, EngineStores, TurnResult, UsageRecord } from './ports.js';
import { withTokenCount } from './promptMessages.js';
import { ReplyStreamer } from './replyStreamer.js';
import type { Summarizer } from './summarizer.js';
import type { Toolbox } from './tools/tool.js';
import type { Agent, ToolCall } from './types.js';

export interface RuntimeOptions {
  replyTokenReserve: number;
  streamEditIntervalMs: number;
  isVisionModel: (model: string) => boolean;
}

/** Model calls one turn may make: a model that keeps calling tools is stopped here. */
export const MAX_MODEL_CALLS_PER_TURN = 6;

/** The custom id of the Retry button under an error notice. */
export function retryActionId(agentId: number): string {
  return `retry:${agentId}`;
}

export interface TurnOutcome extends TurnResult {
  /** Milliseconds spent waiting for the model: the rest of the turn is our overhead. */
  modelMs: number;
}

/**
 * Runs one turn of one agent: fold history if due, build the context, call the model (streaming
 * the reply into Discord), run the tools it calls and call it again with their results, then
 * persist the answer. Every tool call and result is persisted as it happens, so a resumed turn
 * never runs a tool twice.
 */
export class AgentRuntime {
  constructor(
    private readonly deps: {
      stores: EngineStores;
      model: ChatModel;
      gateway: ChatGateway;
      context: ContextBuilder;
      summarizer: Summarizer;
      toolbox: Toolbox;
      logger: Logger;
    },
    private readonly options: RuntimeOptions,
  ) {}

  async runTurn(claim: Claim): Promise<TurnOutcome> {
    const { stores, gateway, logger } = this.deps;
    const log = logger.child({ agentId: claim.agent.id, turnId: claim.turn.id, channelId: claim.agent.channelId });
    const streamer = new ReplyStreamer({ gateway, outbox: stores.outbox, logger: log }, claim.agent, claim.turn, this.options.streamEditIntervalMs);
    let modelMs = 0;
    try {
      if (!claim.unanswered) return { status: 'done', modelMs };
      await streamer.start();
      const agent = await this.foldHistory(claim, log);
      const toolbox = this.deps.toolbox.forPersona(agent.persona.tools);
      const imagesAfterId = this.options.isVisionModel(agent.persona.model) ? claim.answeredThroughId : undefined;
      const shown: string[] = [];
      let seenThroughId: number | undefined;
      let oldestInContextId: number | undefined;
      for (let call = 1; call <= MAX_MODEL_CALLS_PER_TURN; call++) {
        const tools = call < MAX_MODEL_CALLS_PER_TURN ? toolbox.specs() : [];
        const context = await this.deps.context.build(agent, tools, { imagesAfterId, seenThroughId });
        if (seenThroughId === undefined) {
          seenThroughId = context.newestMessageId;
          oldestInContextId = context.oldestIncludedId;
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
          { onText: (text) => streamer.update(joinShown([...shown, text])) },
        );
        modelMs += performance.now() - startedAt;
        const usage: UsageRecord = { agent, userId: claim.turn.requestedBy, model: agent.persona.model, purpose: 'turn', ...response.usage };
        if (response.text.trim()) shown.push(response.text.trim());
        if (response.toolCalls.length === 0) {
          // Shown first, stored second (with the turn's end): a crash in between resumes the
          // turn, which regenerates the answer and edits the messages already posted.
          await streamer.finish(joinShown(shown));
          const message = withTokenCount({ role: 'assistant', content: response.text, turnId: claim.turn.id, seenThroughId });
          return { status: 'done', modelMs, seenThroughId, answer: { message, usage } };
        }
        await stores.usage.record(usage);
        await this.runTools(agent, claim, { text: response.text, calls: response.toolCalls, seenThroughId, oldestInContextId }, log);
      }
      throw new Error(`the model was still calling tools after ${MAX_MODEL_CALLS_PER_TURN} calls`);
    } catch (error) {
      await streamer.abandon();
      log.error({ err: error }, 'turn failed');
      await this.postErrorNotice(claim, error);
      return { status: 'failed', error: error instanceof Error ? error.message : String(error), modelMs };
    }
  }

  private async foldHistory(claim: Claim, log: Logger): Promise<Agent> {
    try {
      return await this.deps.summarizer.foldIfNeeded(claim.agent, claim.unsummarisedTokens);
    } catch (error) {
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
    const { stores, gateway } = this.deps;
    const turnId = claim.turn.id;
    await stores.messages.append(agent, [withTokenCount({ role: 'assistant', content: text, toolCalls: calls, turnId, seenThroughId })]);
    for (const call of calls) {
      const context = { agent, turn: claim.turn, requestedBy: claim.turn.requestedBy, oldestInContextId, stores, gateway };
      const { result, ok } = await this.deps.toolbox.run(call, context);
      log.info({ tool: call.name, ok }, 'tool called');
      await stores.messages.append(agent, [
        withTokenCount({ role: 'tool', content: result, toolCallId: call.id, toolName: call.name, turnId, seenThroughId }),
      ]);
    }
  }

  /** A short, specific notice with a Retry button; the user's message stays in the history. */
  private async postErrorNotice(claim: Claim, error: unknown): Promise<void> {
    const reason = error instanceof ModelError ? error.userMessage : 'Sorry — something went wrong on my side while answering.';
    const content = `⚠️ ${reason} Your message is saved: press Retry to try again.`;
    try {
      await this.deps.gateway.postMessage({
        channelId: claim.agent.channelId,
        content,
        nonce: errorNonce(claim.turn.id),
        actions: [{ id: retryActionId(claim.agent.id), label: 'Retry' }],
      });
    } catch (postError) {
      this.deps.logger.error({ err: postError, agentId: claim.agent.id }, 'could not post the error notice');
    }
  }
}

function joinShown(parts: string[]): string {
  return parts.filter((part) => part.trim().length > 0).join('\n\n');
}
