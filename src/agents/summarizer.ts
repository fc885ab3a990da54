import type { Logger } from './logger.js';
import type { ChatModel, MemoryStore, MessageStore, PromptMessage, UsageStore } from './ports.js';
import { renderMessage } from './promptMessages.js';
import { REQUEST_OVERHEAD_TOKENS, clipToTokens, countMessageTokens, countTextTokens, withSafetyMargin } from './tokens.js';
import type { Agent, StoredMessage, TurnLease } from './types.js';

export interface SummaryLimits {
  tokenBudget: number;
  /** Fold when the unsummarised history exceeds this share of the budget. */
  summaryTrigger: number;
}

/** The most one fold may read, as a share of the budget, so the summary call fits too. */
const FOLD_INPUT_SHARE = 0.5;
/** The summary's own size limit, as a share of the budget. */
const SUMMARY_SHARE = 0.15;
const PAGE_SIZE = 200;

const INSTRUCTIONS =
  'You maintain the running summary of a Discord conversation for an assistant who will only see ' +
  'this summary and the newest messages. Merge the previous summary with the new messages into one ' +
  'summary: who said what that matters, decisions, open questions, names and numbers. Plain prose or ' +
  'bullet points, no preamble.';

/**
 * Folds the oldest part of the unsummarised history into the rolling summary, once the history
 * outgrows its share of the budget. Raw messages stay in the database (recall searches them);
 * the summary and its cursor are saved in one statement.
 */
export class Summarizer {
  constructor(
    private readonly stores: { messages: MessageStore; memory: MemoryStore; usage: UsageStore },
    private readonly model: ChatModel,
    private readonly limits: SummaryLimits,
    private readonly logger: Logger,
  ) {}

  /**
   * @param unsummarised tokens of the history after the summary (the claim counted them).
   * @param lease the turn it folds for: its usage is recorded under it.
   * @param canSpend whether the agent's budget pays for a call of this many tokens (prompt and
   *   reply); a helper that cannot does not fold, and its context stays within budget without it.
   * @returns the agent as it is after folding (unchanged when no fold was needed).
   */
  async foldIfNeeded(agent: Agent, unsummarised: number, lease: TurnLease, canSpend: (tokens: number) => Promise<boolean> = async () => true): Promise<Agent> {
    const afterId = Math.max(agent.historyStartId, agent.summaryThroughId);
    if (unsummarised <= this.limits.summaryTrigger * this.limits.tokenBudget) return agent;

    const folded = await this.oldestHalf(agent.id, afterId, Math.min(unsummarised / 2, this.limits.tokenBudget * FOLD_INPUT_SHARE));
    if (folded.length === 0) return agent;
    const transcript = folded.map(transcriptLine).join('\n');
    const maxTokens = Math.floor(this.limits.tokenBudget * SUMMARY_SHARE);
    const prompt: PromptMessage[] = [
      { role: 'system', content: INSTRUCTIONS },
      {
        role: 'user',
        content: `Previous summary:\n${clipToTokens(agent.summary ?? '(none yet)', this.limits.tokenBudget * SUMMARY_SHARE)}\n\nNew messages:\n${transcript}`,
      },
    ];
    if (!(await canSpend(withSafetyMargin(REQUEST_OVERHEAD_TOKENS + prompt.reduce((sum, message) => sum + countMessageTokens(message), 0)) + maxTokens))) {
      this.logger.info({ agentId: agent.id }, 'history not folded: the budget does not pay for it');
      return agent;
    }
    const response = await this.model.complete({ model: agent.persona.model, temperature: 0.2, maxTokens, tools: [], messages: prompt });
    await this.stores.usage.record(lease, { agent, userId: null, model: agent.persona.model, purpose: 'summary', ...response.usage });
    // Held to its share even when the model ignores max_tokens: the next fold and every prompt read it.
    const summary = clipToTokens(response.text.trim(), this.limits.tokenBudget * SUMMARY_SHARE);
    if (!summary) {
      this.logger.warn({ agentId: agent.id }, 'summary came back empty; history left as it was');
      return agent;
    }
    const throughId = folded.at(-1)!.id;
    await this.stores.memory.saveSummary(agent.id, summary, throughId);
    this.logger.info({ agentId: agent.id, throughId, foldedMessages: folded.length, summaryTokens: countTextTokens(summary) }, 'history folded into summary');
    return { ...agent, summary, summaryThroughId: throughId };
  }

  /** The oldest messages adding up to `targetTokens`, never ending between a tool call and its results. */
  private async oldestHalf(agentId: number, afterId: number, targetTokens: number): Promise<StoredMessage[]> {
    const taken: StoredMessage[] = [];
    let tokens = 0;
    let cursor = afterId;
    for (;;) {
      const page = await this.stores.messages.oldestMessages(agentId, { afterId: cursor, limit: PAGE_SIZE });
      for (const message of page) {
        if (tokens >= targetTokens && message.role !== 'tool') return taken;
        taken.push(message);
        tokens += message.tokenCount;
      }
      if (page.length < PAGE_SIZE) return taken;
      cursor = page.at(-1)!.id;
    }
  }
}

function transcriptLine(message: StoredMessage): string {
  const rendered = renderMessage(message);
  switch (rendered.role) {
    case 'user':
      return typeof rendered.content === 'string' ? rendered.content : '';
    case 'assistant':
      return `assistant: ${rendered.content ?? ''}${rendered.tool_calls ? ` [called ${rendered.tool_calls.map((call) => call.function.name).join(', ')}]` : ''}`;
    case 'tool':
      return `tool result: ${rendered.content.slice(0, 500)}`;
    case 'system':
      return `note: ${rendered.content}`;
  }
}
