import type { APIApplicationCommand, APIChannel, APIMessage, APIRole, APIThreadChannel, APIUser } from 'discord-api-types/v10';
import type { ClientOptions } from 'discord.js';
import type { EmulatorContext, EmulatorUrls } from './context.js';
import { deleteChannel, openDirectMessage } from './domain/channels.js';
import { addMember, createRole, createUser, removeBotFromGuild } from './domain/guilds.js';
import { clickComponent, forgeButtonClick, invokeCommand, invokeContextMenuCommand, requestAutocomplete, submitModal } from './domain/interactions/invoke.js';
import type { CommandInvocation } from './domain/interactions/options.js';
import type { LoggedEvent, WaitOptions } from './events.js';
import type { EmulatorFaults } from './faults.js';
import type { GatewayServer } from './gateway/server.js';
import type { GatewaySessionInfo } from './gateway/session.js';
import type { EmulatorTimings, ResolvedEmulatorOptions } from './options.js';
import type { RateLimiter } from './rateLimits.js';
import { renderChannel, renderThread } from './render/channels.js';
import type { EmulatorSeed } from './seed.js';
import type { EmulatorState, PingRecord, RestRequestRecord, TypingRecord } from './state.js';
import * as fixtures from './testApi/fixtures.js';
import * as observe from './testApi/observe.js';
import * as users from './testApi/users.js';
import * as wait from './testApi/wait.js';

/** A started interaction: its id (for {@link DiscordEmulator.interactionResponses}) and token. */
export interface InteractionHandle {
  id: string;
  token: string;
}

/** Where and as whom a slash command is run, plus the command itself. */
export interface CommandInvocationSpec extends CommandInvocation {
  channelId: string;
  userId: string;
}

function toHandle(interaction: { id: string; token: string }): InteractionHandle {
  return { id: interaction.id, token: interaction.token };
}

/**
 * A running Discord emulator: REST v10 and gateway on 127.0.0.1 for a real discord.js `Client`,
 * plus the in-process test API (act as users, observe the bot, wait, inject faults).
 * Create it with `startDiscordEmulator()` (emulator.ts); always {@link close} it.
 */
export class DiscordEmulator {
  /** `http://127.0.0.1:PORT/api` — pass as discord.js `rest.api`. */
  readonly apiUrl: string;
  readonly port: number;
  readonly token: string;
  /** The bot user (its id is also the application id). */
  readonly bot: APIUser;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly context: EmulatorContext,
    private readonly gatewayServer: GatewayServer,
    private readonly closeServer: () => Promise<void>,
    /** Inject failures and disconnects. */
    readonly faults: EmulatorFaults,
    /** Make a route strict: `rateLimits.setBucket({ route: 'POST /channels/:channelId/messages', limit: 1, windowMs: 300 })`. */
    readonly rateLimits: RateLimiter,
    private readonly seeded: EmulatorSeed | null,
  ) {
    this.apiUrl = context.urls.api;
    this.port = Number(new URL(context.urls.base).port);
    this.token = context.options.token;
    this.bot = context.state.botUser;
  }

  /** The default world (guild, #general, alice, bob). Throws when started with `seed: false`. */
  get seed(): EmulatorSeed {
    if (!this.seeded) throw new Error('The emulator was started with seed: false; create a guild with createGuild()');
    return this.seeded;
  }

  /** All addresses served (base, api, gateway, resume, cdn). */
  get urls(): EmulatorUrls {
    return this.context.urls;
  }

  /** Effective options (deadlines, throttles, buckets). */
  get options(): ResolvedEmulatorOptions {
    return this.context.options;
  }

  /** Changes deadlines and throttles from now on, e.g. `setTimings({ interactionDeadlineMs: 50 })`. */
  setTimings(timings: Partial<EmulatorTimings>): void {
    Object.assign(this.context.options.timings, timings);
  }

  /** Lowers (or raises) how many active threads a guild may have from now on; one more gets 160006. */
  setMaxActiveThreads(limit: number): void {
    this.context.options.maxActiveThreads = limit;
  }

  /**
   * Options to spread into `new Client({ intents, ...discord.clientOptions() })`: the REST base URL,
   * no client-side global REST throttle, and no 5 s identify throttle (so re-identify tests are fast).
   */
  clientOptions(): Pick<ClientOptions, 'rest' | 'ws' | 'waitGuildTimeout'> {
    return {
      rest: { api: this.apiUrl, globalRequestsPerSecond: Number.POSITIVE_INFINITY },
      ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => undefined }) },
      waitGuildTimeout: 1_000,
    };
  }

  /** Creates a user to act as. */
  createUser(spec: { username: string; bot?: boolean }): APIUser {
    return createUser(this.context, spec);
  }

  /** Creates a guild (with the bot in it unless `withBot: false`; connected clients get GUILD_CREATE). */
  createGuild(spec: fixtures.GuildSpec): fixtures.GuildFixture {
    return fixtures.createGuildFixture(this.context, spec);
  }

  /** Creates a role; `permissions` as `PermissionFlagsBits` values. */
  createRole(spec: { guildId: string; name: string; permissions: bigint | readonly bigint[]; mentionable?: boolean }): APIRole {
    return createRole(this.context, spec);
  }

  /** Adds a user to a guild with roles (GUILD_MEMBER_ADD; adding the bot sends GUILD_CREATE). */
  addMember(spec: { guildId: string; userId: string; roleIds?: string[]; nick?: string }): void {
    addMember(this.context, spec);
  }

  /** Creates a guild channel, optionally with permission overwrites (CHANNEL_CREATE). */
  createChannel(spec: fixtures.ChannelSpec): APIChannel {
    return fixtures.createChannelFixture(this.context, spec);
  }

  /** Replaces a channel's permission overwrites (CHANNEL_UPDATE). */
  setChannelPermissions(channelId: string, overwrites: readonly fixtures.PermissionOverwriteSpec[]): APIChannel {
    return fixtures.setChannelPermissions(this.context, channelId, overwrites);
  }

  /** Deletes a channel or thread (CHANNEL_DELETE / THREAD_DELETE). */
  deleteChannel(channelId: string): void {
    deleteChannel(this.context, channelId);
  }

  /** Removes the bot from a guild (GUILD_DELETE). */
  removeBotFromGuild(guildId: string): void {
    removeBotFromGuild(this.context, guildId);
  }

  /** The DM channel between `userId` and the bot (created on first use). */
  openDirectMessage(userId: string): APIChannel {
    return renderChannel(this.context.state, openDirectMessage(this.context, userId));
  }

  /** A user posts (MESSAGE_CREATE); returns the message as users see it. */
  userSays(spec: users.UserMessageSpec): APIMessage {
    return users.userSays(this.context, spec);
  }

  /** A user edits their message (MESSAGE_UPDATE). */
  userEdits(spec: { messageId: string; content: string }): APIMessage {
    return users.userEdits(this.context, spec);
  }

  /** A user deletes a message (MESSAGE_DELETE). */
  userDeletes(spec: { messageId: string; userId: string }): void {
    users.userDeletes(this.context, spec);
  }

  /** A user reacts (or un-reacts with `remove: true`). */
  userReacts(spec: { messageId: string; userId: string; emoji: string; remove?: boolean }): void {
    users.userReacts(this.context, spec);
  }

  /** A user starts typing (TYPING_START). */
  userTypes(spec: { channelId: string; userId: string }): void {
    users.userTypes(this.context, spec);
  }

  /** A user starts a thread from a message or standalone (THREAD_CREATE). */
  userCreatesThread(spec: fixtures.UserThreadSpec): APIThreadChannel {
    return fixtures.userCreatesThread(this.context, spec);
  }

  /** Archives or un-archives a thread as `actorId` (default the guild owner) (THREAD_UPDATE). */
  setThreadArchived(threadId: string, archived: boolean, actorId?: string): APIThreadChannel {
    return fixtures.setThreadArchived(this.context, threadId, archived, actorId);
  }

  /** A user runs a registered slash command (INTERACTION_CREATE type 2). Throws if it is not registered. */
  invokeCommand(spec: CommandInvocationSpec): InteractionHandle {
    const { channelId, userId, ...invocation } = spec;
    return toHandle(invokeCommand(this.context, { channelId, userId }, invocation));
  }

  /** A user types in an autocomplete option; resolves with the choices the bot returned (type 8). */
  async requestAutocomplete(spec: CommandInvocationSpec & { focused: string }, options: WaitOptions = {}): Promise<{ id: string; choices: unknown[] }> {
    const { channelId, userId, ...invocation } = spec;
    const { id } = requestAutocomplete(this.context, { channelId, userId }, invocation);
    const responses = await wait.waitForInteractionResponse(this.context, id, (responses) => responses.autocompleteChoices !== null, options);
    return { id, choices: responses.autocompleteChoices ?? [] };
  }

  /** A user runs a user or message context-menu command on `targetId`. */
  invokeContextMenuCommand(spec: { channelId: string; userId: string; name: string; targetId: string }): InteractionHandle {
    return toHandle(invokeContextMenuCommand(this.context, spec, spec.name, spec.targetId));
  }

  /** A user clicks a button (INTERACTION_CREATE type 3). */
  clickButton(spec: { messageId: string; customId: string; userId: string }): InteractionHandle {
    return toHandle(clickComponent(this.context, spec));
  }

  /**
   * A click on `messageId` with a custom id the message does not carry (copied or guessed), as a
   * modified client could send it: for testing that the bot refuses forged custom ids.
   */
  forgeButtonClick(spec: { messageId: string; customId: string; userId: string }): InteractionHandle {
    return toHandle(forgeButtonClick(this.context, spec));
  }

  /** A user picks values in a select menu (INTERACTION_CREATE type 3 with `values`). */
  selectOptions(spec: { messageId: string; customId: string; userId: string; values: string[] }): InteractionHandle {
    return toHandle(clickComponent(this.context, spec));
  }

  /** A user submits the modal shown for `interactionId`; `fields` maps custom_id → value (type 5). */
  submitModal(spec: { interactionId: string; customId?: string; fields: Record<string, string | string[]>; userId?: string }): InteractionHandle {
    return toHandle(submitModal(this.context, spec));
  }

  /** A live message as users see it now, or undefined. */
  message(messageId: string): APIMessage | undefined {
    return observe.liveMessage(this.context, messageId);
  }

  /** Edit history and deletion of a message. */
  messageHistory(messageId: string): observe.MessageHistory | undefined {
    return observe.messageHistory(this.context, messageId);
  }

  /** What a channel, thread or DM shows now, oldest first (ephemeral messages only on request). */
  channelMessages(channelId: string, options?: observe.ChannelMessagesOptions): APIMessage[] {
    return observe.channelMessages(this.context, channelId, options);
  }

  /** Threads whose parent is `channelId`, oldest first, archived ones included. */
  threads(channelId: string): APIThreadChannel[] {
    return this.context.state.threadsOf(channelId).map((thread) => renderThread(this.context.state, thread));
  }

  /** A channel as Discord would return it, or undefined. */
  channel(channelId: string): APIChannel | undefined {
    const channel = this.context.state.channels.get(channelId);
    return channel ? renderChannel(this.context.state, channel) : undefined;
  }

  /** Who would have been notified, per message create/edit (only entries that notify someone). */
  /** Attachment ids, in the order their bytes were downloaded from the CDN. */
  get cdnDownloads(): readonly string[] {
    return this.context.state.cdnDownloads;
  }

  /** Removes an attachment's bytes from the CDN: its URL answers 404 from now on (as an expired link would). */
  expireAttachment(attachmentId: string): void {
    this.context.state.attachments.delete(attachmentId);
  }

  get pings(): readonly PingRecord[] {
    return this.context.state.pings;
  }

  /** Typing indicators, optionally of one channel. */
  typingIndicators(channelId?: string): TypingRecord[] {
    return this.context.state.typing.filter((record) => channelId === undefined || record.channelId === channelId);
  }

  /** Registered application commands, global and per guild (guild ones carry `guild_id`). */
  commands(): APIApplicationCommand[] {
    return [...this.context.state.commands.values()];
  }

  /** The bot's callbacks, `@original` and followups for an interaction (ephemeral flags visible). */
  interactionResponses(interactionId: string): observe.InteractionResponses {
    return observe.interactionResponses(this.context, interactionId);
  }

  /** Every REST request answered, in order. */
  get restRequests(): readonly RestRequestRecord[] {
    return this.context.state.restRequests;
  }

  /** Everything observable that happened, in order. */
  get events(): readonly LoggedEvent[] {
    return this.context.events.all();
  }

  /** Bugs inside the emulator (answered with 500). Tests may assert this stays empty. */
  get internalErrors(): readonly Error[] {
    return this.context.state.internalErrors;
  }

  /** Calls `listener` after each future event (it must not throw) until the returned function is called. */
  subscribe(listener: (event: LoggedEvent) => void): () => void {
    return this.context.events.subscribe(listener);
  }

  /**
   * The world's records, for in-process tools that show it whole (the playground page). Read
   * only: changes go through the methods above, which also tell connected clients.
   */
  get world(): EmulatorState {
    return this.context.state;
  }

  /** Gateway sessions still connected or resumable. */
  gatewaySessions(): GatewaySessionInfo[] {
    return this.gatewayServer.sessionInfo();
  }

  /** The control API's `GET /_control/state`: the bot, guilds with channels, users. */
  describeState(): observe.StateSummary {
    return observe.describeState(this.context);
  }

  /** First message (existing or future) matching `predicate`; see {@link wait.WaitForMessageOptions}. */
  waitForMessage(predicate: (message: APIMessage) => boolean, options?: wait.WaitForMessageOptions): Promise<APIMessage> {
    return wait.waitForMessage(this.context, predicate, options);
  }

  /** First thread (existing or future) matching `predicate`. */
  waitForThread(predicate: (thread: APIThreadChannel) => boolean, options?: WaitOptions): Promise<APIThreadChannel> {
    return wait.waitForThread(this.context, predicate, options);
  }

  /** Resolves once the responses to an interaction satisfy `predicate` (default: acknowledged). */
  waitForInteractionResponse(interactionId: string, predicate?: (responses: observe.InteractionResponses) => boolean, options?: WaitOptions): Promise<observe.InteractionResponses> {
    return wait.waitForInteractionResponse(this.context, interactionId, predicate, options);
  }

  /** Next event after this call matching `predicate`. */
  waitForEvent(predicate: (event: LoggedEvent) => boolean, options?: WaitOptions): Promise<LoggedEvent> {
    return wait.waitForEvent(this.context, predicate, options);
  }

  /** Re-checks `check` after every event and every 20 ms until it returns a value (not undefined/null/false). */
  waitFor<T>(check: () => T | undefined | null | false, options?: WaitOptions & { description?: string }): Promise<T> {
    return wait.waitFor(this.context, check, options);
  }

  /** Stops the servers and drops every connection. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.gatewayServer.close().then(() => this.closeServer());
    return this.closing;
  }
}
