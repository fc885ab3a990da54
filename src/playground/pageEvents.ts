import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { HelperStatus } from '../db/repositories/index.js';
import type { DiscordEmulator, LoggedEvent } from '../discordEmulator/emulator.js';
import { type HelperStatuses, type PageChannel, type PageMessage, type PageThread, inGuild, pageChannel, pageMessage, pageThread } from './pageView.js';

/** What the page hears, one JSON object per server-sent event (src/playground/README.md). */
export type PageEvent =
  | { type: 'message'; message: PageMessage }
  | { type: 'messageDeleted'; channelId: string; messageId: string }
  | { type: 'thread'; thread: PageThread }
  | { type: 'channel'; channel: PageChannel }
  | { type: 'channelDeleted'; channelId: string }
  | { type: 'helper'; threadId: string; helper: HelperStatus }
  | { type: 'modal'; interactionId: string; userId: string; modal: unknown }
  | { type: 'typing'; channelId: string; userId: string }
  | { type: 'session' };

/** Open pages at once; one more is refused (a page left open in many tabs must not grow without end). */
export const MAX_EVENT_STREAMS = 20;
/** Unsent bytes a stream may hold; a page that stopped reading is dropped (its EventSource reconnects and reloads). */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Turns the emulator's events into the page's and sends them to every open page. A header edit
 * in a channel is a helper's status changing: its thread's helper is read from the database then.
 */
export class PageEvents {
  private readonly streams = new Set<ServerResponse>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly emulator: DiscordEmulator,
    private readonly guildId: string,
    private readonly helpers: HelperStatuses,
    private readonly logger: Logger,
  ) {
    this.unsubscribe = emulator.subscribe((event) => this.translate(event));
  }

  /** Keeps `response` open as an event stream; false when too many are open already. */
  open(response: ServerResponse): boolean {
    if (this.streams.size >= MAX_EVENT_STREAMS) return false;
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    response.write(': connected\n\n');
    this.streams.add(response);
    response.on('close', () => this.streams.delete(response));
    return true;
  }

  send(event: PageEvent): void {
    const frame = `data: ${JSON.stringify(event)}\n\n`;
    for (const stream of this.streams) {
      if (stream.writableLength > MAX_BUFFERED_BYTES) {
        stream.destroy();
        continue;
      }
      stream.write(frame);
    }
  }

  close(): void {
    this.unsubscribe();
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  private translate(event: LoggedEvent): void {
    if (this.streams.size === 0) return;
    const { world } = this.emulator;
    switch (event.type) {
      case 'messageCreated':
      case 'messageUpdated': {
        const record = world.messages.get(event.message.id);
        if (!record || !this.inGuild(record.channelId)) return;
        this.send({ type: 'message', message: pageMessage(this.emulator, record) });
        // A thread's id is its starter message's: an edit of a starter is a helper's header changing.
        const thread = world.channels.get(record.id);
        if (event.type === 'messageUpdated' && thread?.thread) this.sendHelperStatus(thread.id);
        return;
      }
      case 'messageDeleted':
        if (this.inGuild(event.channelId)) this.send({ type: 'messageDeleted', channelId: event.channelId, messageId: event.messageId });
        return;
      case 'threadCreated':
      case 'threadUpdated': {
        const thread = world.channels.get(event.thread.id);
        if (!thread || !this.inGuild(thread.id)) return;
        this.send({ type: 'thread', thread: pageThread(thread, undefined) });
        this.sendHelperStatus(thread.id);
        return;
      }
      case 'channelCreated': {
        const channel = world.channels.get(event.channel.id);
        if (channel && channel.guildId === this.guildId && channel.thread === null) this.send({ type: 'channel', channel: pageChannel(channel) });
        return;
      }
      case 'channelDeleted':
        this.send({ type: 'channelDeleted', channelId: event.channel.id });
        return;
      case 'interactionResponded': {
        const interaction = world.interactions.get(event.interactionId);
        if (event.action === 'callback' && interaction?.modal) {
          this.send({ type: 'modal', interactionId: interaction.id, userId: interaction.userId, modal: interaction.modal });
        }
        return;
      }
      case 'typing':
        if (this.inGuild(event.channelId)) this.send({ type: 'typing', channelId: event.channelId, userId: event.userId });
        return;
      case 'commandsChanged':
      case 'memberAdded':
      case 'roleCreated':
        this.send({ type: 'session' });
        return;
      default:
        return;
    }
  }

  private inGuild(channelId: string): boolean {
    return inGuild(this.emulator, this.guildId, channelId);
  }

  private sendHelperStatus(threadId: string): void {
    this.helpers.statusesOf(this.guildId, [threadId]).then(
      (statuses) => {
        const helper = statuses.get(threadId);
        if (helper) this.send({ type: 'helper', threadId, helper });
      },
      (error: unknown) => this.logger.warn({ err: error, threadId }, 'reading a helper status for the playground failed'),
    );
  }
}
