import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  GatewayCloseCodes,
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
  type APIMessage,
  type GatewayIdentifyData,
  type GatewayReadyDispatchData,
  type GatewayRequestGuildMembersData,
  type GatewayResumeData,
} from 'discord-api-types/v10';
import { WebSocketServer } from 'ws';
import type { EventLog } from '../events.js';
import type { ResolvedEmulatorOptions } from '../options.js';
import { renderGuildCreate } from '../render/guilds.js';
import { renderMember } from '../render/members.js';
import type { EmulatorState } from '../state.js';
import { GatewayConnection, type GatewayConnectionHost } from './connection.js';
import { disallowedIntents, redactMessageContent, requiredIntent, type OutgoingDispatch } from './intents.js';
import { GatewaySession, type GatewaySessionInfo } from './session.js';

/** Dependencies of the gateway. */
export interface GatewayServerDependencies {
  state: EmulatorState;
  options: ResolvedEmulatorOptions;
  events: EventLog;
  /** `url` of GET /gateway/bot (no query string: discord.js appends `?v=10&encoding=json`). */
  gatewayUrl: string;
  /** `resume_gateway_url` of READY; a different path so tests can tell a resume from a fresh connect. */
  resumeUrl: string;
}

const MESSAGE_EVENTS = new Set<string>([GatewayDispatchEvents.MessageCreate, GatewayDispatchEvents.MessageUpdate]);

/**
 * The WebSocket gateway: sessions, fan-out of dispatches to every session that should see them
 * (several clients with the same token each get every event), RESUME with replay, and gateway faults.
 */
export class GatewayServer implements GatewayConnectionHost {
  withholdHeartbeatAcks = false;
  private readonly webSocketServer = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<GatewayConnection>();
  private readonly sessions = new Map<string, GatewaySession>();
  private lastIdentifyAt = 0;

  constructor(private readonly dependencies: GatewayServerDependencies) {}

  get heartbeatIntervalMs(): number {
    return this.dependencies.options.timings.heartbeatIntervalMs;
  }

  /** Accepts an HTTP upgrade on the gateway paths. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    this.webSocketServer.handleUpgrade(request, socket, head, (webSocket) => {
      this.connections.add(new GatewayConnection(webSocket, this, path));
    });
  }

  /** Sends a dispatch to every session entitled to it (shard, intents), redacting content where Discord would. */
  dispatch(dispatch: OutgoingDispatch, guildId: string | null): void {
    const { state } = this.dependencies;
    const needed = requiredIntent(dispatch, guildId !== null);
    for (const session of this.liveSessions()) {
      if (!session.receivesGuild(guildId)) continue;
      if (needed !== 0 && (session.intents & needed) === 0) continue;
      let data: unknown = dispatch.d;
      if (MESSAGE_EVENTS.has(dispatch.t) && (session.intents & GatewayIntentBits.MessageContent) === 0) {
        data = redactMessageContent(dispatch.d as APIMessage, state.botId, guildId !== null);
      }
      session.push(dispatch.t, data);
    }
  }

  identify(connection: GatewayConnection, data: GatewayIdentifyData): void {
    const { options, state, events } = this.dependencies;
    if (data?.token !== options.token) return connection.close(GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
    if (typeof data.intents !== 'number' || data.intents < 0) return connection.close(GatewayCloseCodes.InvalidIntents, 'Invalid intent(s).');
    if (disallowedIntents(data.intents, options.privilegedIntents) !== 0) {
      return connection.close(GatewayCloseCodes.DisallowedIntents, 'Disallowed intent(s).');
    }
    const shard: [number, number] = data.shard ? [data.shard[0], data.shard[1]] : [0, 1];
    if (shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1]) return connection.close(GatewayCloseCodes.InvalidShard, 'Invalid shard.');
    const now = Date.now();
    if (options.timings.identifyIntervalMs > 0 && now - this.lastIdentifyAt < options.timings.identifyIntervalMs) {
      // Discord answers an IDENTIFY over the concurrency limit with a non-resumable INVALID_SESSION.
      connection.send({ op: GatewayOpcodes.InvalidSession, d: false, s: null, t: null });
      return;
    }
    this.lastIdentifyAt = now;
    const session = new GatewaySession(randomBytes(16).toString('hex'), data.intents, shard, options.timings.sessionReplayLimit);
    this.sessions.set(session.id, session);
    this.attach(session, connection);
    const guildIds = [...state.guilds.keys()].filter((id) => state.botIsInGuild(id) && session.receivesGuild(id));
    const ready: GatewayReadyDispatchData = {
      v: 10,
      user: state.botUser,
      guilds: guildIds.map((id) => ({ id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.dependencies.resumeUrl,
      shard,
      application: { id: state.application.id, flags: state.application.flags, flags_new: String(state.application.flags) },
    };
    session.push(GatewayDispatchEvents.Ready, ready);
    // READY lists guilds as unavailable; discord.js is ready once each has had its GUILD_CREATE.
    for (const id of guildIds) session.push(GatewayDispatchEvents.GuildCreate, renderGuildCreate(state, state.requireGuild(id)));
    events.record({ type: 'gatewayIdentified', sessionId: session.id });
  }

  resume(connection: GatewayConnection, data: GatewayResumeData): void {
    const { options, events } = this.dependencies;
    if (data?.token !== options.token) return connection.close(GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
    const session = this.sessions.get(data.session_id);
    const frames = session && !this.isExpired(session) ? session.framesAfter(data.seq) : null;
    if (!session || !frames) {
      connection.send({ op: GatewayOpcodes.InvalidSession, d: false, s: null, t: null });
      return;
    }
    if (session.sink instanceof GatewayConnection && session.sink !== connection) {
      session.sink.session = null;
      session.sink.close(GatewayCloseCodes.SessionTimedOut, 'Session resumed elsewhere.');
    }
    this.attach(session, connection);
    session.resumes += 1;
    for (const frame of frames) connection.send(frame);
    session.push(GatewayDispatchEvents.Resumed, null);
    events.record({ type: 'gatewayResumed', sessionId: session.id, viaResumeUrl: connection.path === new URL(this.dependencies.resumeUrl).pathname });
  }

  requestGuildMembers(connection: GatewayConnection, data: GatewayRequestGuildMembersData): void {
    const { state } = this.dependencies;
    const session = connection.session;
    const guild = state.guilds.get(data.guild_id);
    if (!session || !guild) return;
    let members = [...guild.members.values()];
    if ('user_ids' in data && data.user_ids !== undefined) {
      const wanted = new Set(Array.isArray(data.user_ids) ? data.user_ids : [data.user_ids]);
      members = members.filter((member) => wanted.has(member.userId));
    } else if ('query' in data && data.query) {
      const query = data.query.toLowerCase();
      members = members.filter((member) => state.users.get(member.userId)?.username.toLowerCase().startsWith(query));
    }
    if ('limit' in data && data.limit) members = members.slice(0, data.limit);
    session.push(GatewayDispatchEvents.GuildMembersChunk, {
      guild_id: guild.id,
      members: members.map((member) => renderMember(state, member)),
      chunk_index: 0,
      chunk_count: 1,
      nonce: data.nonce,
    });
  }

  connectionClosed(connection: GatewayConnection, code: number): void {
    this.connections.delete(connection);
    const session = connection.session;
    if (!session || session.sink !== connection) return;
    session.sink = null;
    session.disconnectedAt = Date.now();
    // discord.js closes with 1000 when destroyed (session over) and 4200 when it means to resume.
    if (code === 1000 || code === 1001) this.sessions.delete(session.id);
    this.dependencies.events.record({ type: 'gatewayDisconnected', sessionId: session.id });
  }

  /** Resets every socket without a close frame; clients see 1006, reconnect and RESUME. */
  dropConnections(): void {
    for (const connection of this.connections) connection.terminate();
  }

  /** Sends op 7 RECONNECT; discord.js closes with 4200 and resumes on `resume_gateway_url`. */
  sendReconnect(): void {
    for (const connection of this.connections) connection.send({ op: GatewayOpcodes.Reconnect, d: null, s: null, t: null });
  }

  /** Sends op 9 INVALID_SESSION; with `resumable: false` the sessions are forgotten and clients re-identify. */
  invalidateSessions(resumable: boolean): void {
    for (const connection of this.connections) {
      const session = connection.session;
      if (!session) continue;
      // Detach either way: the client answers on this same socket with RESUME or a new IDENTIFY.
      connection.session = null;
      session.sink = null;
      session.disconnectedAt = Date.now();
      if (!resumable) this.sessions.delete(session.id);
      connection.send({ op: GatewayOpcodes.InvalidSession, d: resumable, s: null, t: null });
    }
  }

  /** Every session still resumable or connected. */
  sessionInfo(): GatewaySessionInfo[] {
    return [...this.liveSessions()].map((session) => session.info());
  }

  /** Closes every socket and stops accepting new ones. */
  async close(): Promise<void> {
    for (const connection of this.connections) connection.terminate();
    this.connections.clear();
    this.sessions.clear();
    await new Promise<void>((resolve) => this.webSocketServer.close(() => resolve()));
  }

  private attach(session: GatewaySession, connection: GatewayConnection): void {
    connection.session = session;
    session.sink = connection;
    session.disconnectedAt = null;
  }

  private isExpired(session: GatewaySession): boolean {
    const window = this.dependencies.options.timings.sessionResumeWindowMs;
    return session.disconnectedAt !== null && Date.now() - session.disconnectedAt > window;
  }

  private *liveSessions(): Iterable<GatewaySession> {
    for (const session of this.sessions.values()) {
      if (this.isExpired(session)) this.sessions.delete(session.id);
      else yield session;
    }
  }
}
