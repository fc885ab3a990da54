import type { AddressInfo } from 'node:net';
import { applicationFlagsFor } from './application.js';
import type { EmulatorContext, EmulatorUrls } from './context.js';
import { handleControlRequest } from './control.js';
import { DiscordEmulator } from './discordEmulator.js';
import { generateToken } from './domain/guilds.js';
import { EventLog, type EmulatorEvent } from './events.js';
import { EmulatorFaults } from './faults.js';
import { GatewayServer } from './gateway/server.js';
import { RestApi } from './http/restApi.js';
import { attachHandlers, createHttpServer } from './http/server.js';
import { resolveOptions, type DiscordEmulatorOptions } from './options.js';
import { RateLimiter } from './rateLimits.js';
import { restRoutes } from './rest/index.js';
import { type EmulatorSeed, seedDefaultWorld } from './seed.js';
import { WorldSaver, readSavedWorld, restoreWorld, snapshotWorld } from './persistence.js';
import { EmulatorState } from './state.js';

/**
 * Starts an emulator on 127.0.0.1 (port from `options.port`, default a free one), seeded with the
 * default world unless `seed: false`.
 */
export async function startDiscordEmulator(options: DiscordEmulatorOptions = {}): Promise<DiscordEmulator> {
  const resolved = resolveOptions(options);
  const saved = resolved.stateFile ? await readSavedWorld(resolved.stateFile) : null;
  const state = new EmulatorState({
    botName: resolved.botName,
    applicationFlags: applicationFlagsFor(resolved.privilegedIntents),
    logLimit: resolved.logLimit,
    botUser: saved?.botUser,
  });
  if (saved) {
    restoreWorld(state, saved);
    resolved.token = saved.token;
  }
  if (!resolved.token) resolved.token = generateToken(state.botId);
  const server = createHttpServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const urls: EmulatorUrls = { base, api: `${base}/api`, gateway: `ws://127.0.0.1:${port}/gateway`, resume: `ws://127.0.0.1:${port}/gateway-resume`, cdn: `${base}/cdn` };
  const events = new EventLog(resolved.logLimit);
  const gateway = new GatewayServer({ state, options: resolved, events, gatewayUrl: urls.gateway, resumeUrl: urls.resume });
  const context: EmulatorContext = { state, options: resolved, events, gateway, urls };
  const faults = new EmulatorFaults(gateway);
  const rateLimiter = new RateLimiter(resolved.rateLimits);
  const restApi = new RestApi(context, faults, rateLimiter, restRoutes);
  const seed = saved ? saved.seed : resolved.seed ? seedDefaultWorld(context) : null;
  const stopSaving = resolved.stateFile ? await startSaving(context, resolved.stateFile, seed, saved !== null) : null;
  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }).then(() => stopSaving?.());
  const emulator = new DiscordEmulator(context, gateway, closeServer, faults, rateLimiter, seed);
  attachHandlers(server, state, {
    rest: (request, response, path, query) => restApi.handle(request, response, path, query),
    control: (request, response, url) => handleControlRequest(emulator, request, response, url),
    upgrade: (request, socket, head) => gateway.handleUpgrade(request, socket, head),
  });
  return emulator;
}

/** Events that change nothing a saved world holds: an idle bot reconnecting or typing writes nothing. */
const TRANSIENT_EVENTS = new Set<EmulatorEvent['type']>(['typing', 'interactionCreated', 'gatewayIdentified', 'gatewayDisconnected', 'gatewayResumed']);

/**
 * Saves a new world at once (a restored one is in its file already) and then after every change:
 * every change a user, a test or the bot makes is an event (users, guilds, members, roles,
 * channels, threads and their members, messages, reactions, commands, webhooks). Returns what
 * the close calls: the last changes are written, and none after.
 */
async function startSaving(context: EmulatorContext, file: string, seed: EmulatorSeed | null, restored: boolean): Promise<() => Promise<void>> {
  const saver = new WorldSaver(file, () => snapshotWorld(context.state, context.options.token, seed), (error) => context.state.internalErrors.push(error as Error), restored);
  await saver.flush();
  const unsubscribe = context.events.subscribe((event) => {
    if (!TRANSIENT_EVENTS.has(event.type)) saver.changed();
  });
  return () => {
    unsubscribe();
    return saver.flush();
  };
}

export { DiscordEmulator, type CommandInvocationSpec, type InteractionHandle } from './discordEmulator.js';
export type { AttachmentSource } from './domain/attachments.js';
export type { CommandOptionValue } from './domain/interactions/options.js';
export { WaitTimeoutError, type EmulatorEvent, type LoggedEvent, type WaitOptions } from './events.js';
export type { DiscordEmulatorOptions, EmulatorTimings } from './options.js';
export type { RateLimitBucketRule } from './rateLimits.js';
export type { EmulatorSeed } from './seed.js';
export { SavedWorldError } from './persistence.js';
export type { PingRecord, RestRequestRecord, TypingRecord } from './state.js';
export type { ChannelSpec, GuildFixture, GuildSpec, PermissionOverwriteSpec, UserThreadSpec } from './testApi/fixtures.js';
export type { ChannelMessagesOptions, InteractionResponses, MessageHistory } from './testApi/observe.js';
export type { UserMessageSpec } from './testApi/users.js';
export type { WaitForMessageOptions } from './testApi/wait.js';
