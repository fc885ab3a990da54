import type { AttachmentFetcher, Claim, MessageStore } from './ports.js';
import { withTokenCount } from './promptMessages.js';
import { clipToTokens, countTextTokens } from './tokens.js';
import type { AttachmentInfo, StoredMessage } from './types.js';

export interface AttachmentLimits {
  /** A text file's largest size. */
  maxBytes: number;
  /** A text file is cut to this many tokens in the conversation. */
  maxTokensEach: number;
}

/**
 * Reads the text files of the messages a turn is about to answer, once: their text joins the
 * message in the conversation, and a file that could not be read stays named, with why. Files
 * are downloaded only here, for messages the agent takes, never at intake.
 */
export class AttachmentReader {
  constructor(
    private readonly messages: Pick<MessageStore, 'withPendingAttachments' | 'completeAttachments'>,
    private readonly fetcher: AttachmentFetcher,
    private readonly limits: AttachmentLimits,
  ) {}

  /**
   * @param retry runs each write while the database is away (see retryWrite).
   */
  async readPending(claim: Claim, retry: <T>(write: () => Promise<T>, what: string) => Promise<T>): Promise<void> {
    const waiting = await this.messages.withPendingAttachments(claim.agent.id, Math.max(claim.answeredThroughId, claim.agent.historyStartId));
    for (const message of waiting) {
      const update = await this.read(message);
      await retry(() => this.messages.completeAttachments(claim.lease, message.id, update), 'storing read attachments');
    }
  }

  private async read(message: StoredMessage) {
    const texts: string[] = [];
    const attachments: AttachmentInfo[] = [];
    for (const attachment of message.attachments ?? []) {
      if (!attachment.pending || !attachment.url) {
        attachments.push(attachment);
        continue;
      }
      const { pending: _read, ...rest } = attachment;
      const fetched = await this.fetcher.fetchText(attachment.url, this.limits.maxBytes);
      if (fetched.ok) {
        texts.push(`[file ${attachment.filename}]\n${this.clip(fetched.text)}`);
        attachments.push(rest);
      } else {
        // Named, not read: the model is told the file is there and why it cannot see it.
        attachments.push({ ...rest, kind: 'other', unreadable: fetched.reason });
      }
    }
    const content = [message.content, ...texts].filter(Boolean).join('\n\n');
    const counted = withTokenCount({ role: 'user', content, authorName: message.authorName, replyToText: message.replyToText, attachments });
    return { content: counted.content, attachments, tokenCount: counted.tokenCount };
  }

  private clip(text: string): string {
    const limit = this.limits.maxTokensEach;
    if (countTextTokens(text) <= limit) return text;
    return `${clipToTokens(text, limit)}\n[the file was cut here: it is longer than a quarter of the context]`;
  }
}
