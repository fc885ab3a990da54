import {
  GatewayCloseCodes,
  GatewayOpcodes,
  type GatewayIdentifyData,
  type GatewayRequestGuildMembersData,
  type GatewayResumeData,
} from 'discord-api-types/v10';
import type { WebSocket } from 'ws';
import type { FrameSink, GatewaySession } from './session.js';

/** What a connection needs from the gateway server. */
export interface GatewayConnectionHost {
  readonly heartbeatIntervalMs: number;
  /** While true, heartbeats go unanswered (discord.js then declares the link a zombie and resumes). */
  readonly withholdHeartbeatAcks: boolean;
  identify(connection: GatewayConnection, data: GatewayIdentifyData): void;
  resume(connection: GatewayConnection, data: GatewayResumeData): void;
  requestGuildMembers(connection: GatewayConnection, data: GatewayRequestGuildMembersData): void;
  connectionClosed(connection: GatewayConnection, code: number): void;
}

interface ClientFrame {
  op: number;
  d: unknown;
}

function isClientFrame(value: unknown): value is ClientFrame {
  return typeof value === 'object' && value !== null && typeof (value as { op?: unknown }).op === 'number';
}

/**
 * One WebSocket: HELLO on open, heartbeat ACKs, and routing of IDENTIFY / RESUME / REQUEST_GUILD_MEMBERS
 * to the server. Close codes follow Discord's table so discord.js reacts as it would in production.
 * @see https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes
 */
export class GatewayConnection implements FrameSink {
  session: GatewaySession | null = null;
  private closed = false;

  constructor(
    readonly socket: WebSocket,
    private readonly host: GatewayConnectionHost,
    /** The path the client connected to (`/gateway` or `/gateway-resume`). */
    readonly path: string,
  ) {
    socket.on('message', (data, isBinary) => this.onMessage(isBinary ? null : data.toString()));
    socket.on('close', (code) => {
      this.closed = true;
      host.connectionClosed(this, code);
    });
    // A reset socket is a normal way for tests to drop connections; 'close' follows and does the work.
    socket.on('error', () => undefined);
    this.send({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: host.heartbeatIntervalMs }, s: null, t: null });
  }

  get isOpen(): boolean {
    return !this.closed && this.socket.readyState === this.socket.OPEN;
  }

  send(frame: object): void {
    if (this.isOpen) this.socket.send(JSON.stringify(frame));
  }

  /** Closes with a Discord close code; discord.js decides from the code whether to resume or re-identify. */
  close(code: number, reason = ''): void {
    if (this.isOpen) this.socket.close(code, reason);
  }

  /** Drops the TCP connection without a close frame (the client sees 1006 and resumes). */
  terminate(): void {
    this.socket.terminate();
  }

  private onMessage(text: string | null): void {
    let frame: unknown;
    try {
      frame = text === null ? null : JSON.parse(text);
    } catch {
      frame = null;
    }
    if (!isClientFrame(frame)) {
      this.close(GatewayCloseCodes.DecodeError, 'Error while decoding payload.');
      return;
    }
    switch (frame.op) {
      case GatewayOpcodes.Heartbeat:
        if (!this.host.withholdHeartbeatAcks) this.send({ op: GatewayOpcodes.HeartbeatAck, d: null, s: null, t: null });
        return;
      case GatewayOpcodes.Identify:
        if (this.session) this.close(GatewayCloseCodes.AlreadyAuthenticated, 'Already authenticated.');
        else this.host.identify(this, frame.d as GatewayIdentifyData);
        return;
      case GatewayOpcodes.Resume:
        if (this.session) this.close(GatewayCloseCodes.AlreadyAuthenticated, 'Already authenticated.');
        else this.host.resume(this, frame.d as GatewayResumeData);
        return;
      case GatewayOpcodes.RequestGuildMembers:
        if (!this.session) this.close(GatewayCloseCodes.NotAuthenticated, 'Not authenticated.');
        else this.host.requestGuildMembers(this, frame.d as GatewayRequestGuildMembersData);
        return;
      case GatewayOpcodes.PresenceUpdate:
      case GatewayOpcodes.VoiceStateUpdate:
      case GatewayOpcodes.RequestSoundboardSounds:
        if (!this.session) this.close(GatewayCloseCodes.NotAuthenticated, 'Not authenticated.');
        return;
      default:
        this.close(GatewayCloseCodes.UnknownOpcode, 'Unknown opcode.');
    }
  }
}
