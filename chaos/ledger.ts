import type { APIMessage } from 'discord-api-types/v10';
import type { DiscordEmulator, LoggedEvent } from '../src/discordEmulator/emulator.js';
import { parseAnswer, tokenText } from './brain.js';

/** A message the suite sent, as alice, mentioning the bot. */
export interface SentMessage {
  n: number;
  channelId: string;
  discordId: string;
  /** `Date.now()` */
  sentAt: number;
  /** When a complete answer naming it first appeared. */
  answeredAt?: number;
}

/** Every message the bot created, followed through its edits and deletion. */
export interface BotPost {
  id: string;
  channelId: string;
  nonce: string | null;
  createdAt: number;
  /** The message it replies to (`message_reference`), if any. */
  replyTo: string | null;
  content: string;
  deleted: boolean;
  /** When its content first read as a failure notice (⚠️), if ever. */
  noticeAt?: number;
  /**
   * Every moment it came to show a notice, or a different one: a notice message is taken over by
   * the next turn, which may fail too and show its own notice in the same message.
   */
  noticeTimes: number[];
}

const QUESTION = 'how is the release going, and what is left to do before Friday?';
/** Every notice the bot posts (storage, model, Discord failures) carries it. */
export const NOTICE_PREFIX = '⚠️';

/**
 * What was sent and what the bot posted, as it happened (fed by the emulator's events).
 * Figures are computed from it and from the emulator's final state at the end (accounting.ts).
 */
export class Ledger {
  readonly sent: SentMessage[] = [];
  readonly byNumber = new Map<number, SentMessage>();
  readonly byDiscordId = new Map<string, SentMessage>();
  readonly posts = new Map<string, BotPost>();
  /** `Date.now()` of every moment a complete answer appeared, oldest first. */
  readonly answerTimes: number[] = [];
  /** `Date.now()` of the bot's last post, edit or deletion. */
  lastBotActivityAt = 0;

  constructor(private readonly discord: DiscordEmulator) {}

  /** Sends message number n+1 in `channelId`. */
  send(channelId: string, sentAt?: number): SentMessage {
    const n = this.sent.length + 1;
    const content = `<@${this.discord.bot.id}> ${tokenText(n)} ${QUESTION}`;
    const message = this.discord.userSays({ channelId, authorId: this.discord.seed.alice.id, content });
    const sent: SentMessage = { n, channelId, discordId: message.id, sentAt: sentAt ?? Date.now() };
    this.sent.push(sent);
    this.byNumber.set(n, sent);
    this.byDiscordId.set(message.id, sent);
    return sent;
  }

  /** Feed every emulator event here. */
  onEvent(event: LoggedEvent): void {
    if (event.type === 'messageDeleted') {
      const post = this.posts.get(event.messageId);
      if (post) {
        post.deleted = true;
        this.lastBotActivityAt = event.at;
      }
      return;
    }
    if (event.type !== 'messageCreated' && event.type !== 'messageUpdated') return;
    const message = event.message;
    if (message.author.id !== this.discord.bot.id) return;
    this.lastBotActivityAt = event.at;
    let post = this.posts.get(message.id);
    if (!post) {
      post = {
        id: message.id,
        channelId: message.channel_id,
        nonce: message.nonce === undefined || message.nonce === null ? null : String(message.nonce),
        createdAt: event.at,
        replyTo: message.message_reference?.message_id ?? null,
        content: '',
        deleted: false,
        noticeTimes: [],
      };
      this.posts.set(message.id, post);
    }
    if (isNotice(message) && (post.noticeTimes.length === 0 || message.content !== post.content)) {
      post.noticeAt ??= event.at;
      post.noticeTimes.push(event.at);
    }
    post.content = message.content;
    const numbers = parseAnswer(message.content);
    if (!numbers) return;
    this.answerTimes.push(event.at);
    for (const n of numbers) {
      const sent = this.byNumber.get(n);
      if (sent && sent.answeredAt === undefined) sent.answeredAt = event.at;
    }
  }

  /** The first answer that appeared at or after `at`, if any. */
  firstAnswerAfter(at: number): number | undefined {
    return this.answerTimes.find((time) => time >= at);
  }
}

function isNotice(message: APIMessage): boolean {
  return message.content.includes(NOTICE_PREFIX);
}
