import { GatewayOpcodes } from 'discord-api-types/v10';

/** A dispatch frame exactly as sent on the wire. */
export interface DispatchFrame {
  op: GatewayOpcodes.Dispatch;
  t: string;
  s: number;
  d: unknown;
}

/** Where a session's frames go while it has a live socket. */
export interface FrameSink {
  send(frame: object): void;
}

/** What tests can see about a gateway session. */
export interface GatewaySessionInfo {
  sessionId: string;
  intents: number;
  shard: [number, number];
  connected: boolean;
  sequence: number;
  /** How many times this session was resumed. */
  resumes: number;
}

/**
 * One IDENTIFY's worth of state: the sequence counter and the dispatches sent, kept so a RESUME
 * after a dropped connection can replay exactly what was missed with the same sequence numbers.
 */
export class GatewaySession {
  sequence = 0;
  resumes = 0;
  sink: FrameSink | null = null;
  disconnectedAt: number | null = null;
  private readonly frames: DispatchFrame[] = [];

  constructor(
    readonly id: string,
    readonly intents: number,
    readonly shard: [number, number],
    private readonly replayLimit: number,
  ) {}

  /** Numbers the dispatch, keeps it for replay and sends it if a socket is attached. */
  push(name: string, data: unknown): DispatchFrame {
    this.sequence += 1;
    const frame: DispatchFrame = { op: GatewayOpcodes.Dispatch, t: name, s: this.sequence, d: data };
    this.frames.push(frame);
    if (this.frames.length > this.replayLimit) this.frames.splice(0, this.frames.length - this.replayLimit);
    this.sink?.send(frame);
    return frame;
  }

  /** Frames after `sequence`, or null when some of them are no longer kept (the client must re-identify). */
  framesAfter(sequence: number): DispatchFrame[] | null {
    const first = this.frames[0];
    if (first && sequence < first.s - 1) return null;
    if (sequence > this.sequence) return null;
    return this.frames.filter((frame) => frame.s > sequence);
  }

  /**
   * Whether this session's shard gets events of `guildId`: `(guild_id >> 22) % num_shards`;
   * events outside guilds (DMs) go to shard 0.
   * @see https://discord.com/developers/docs/events/gateway#sharding
   */
  receivesGuild(guildId: string | null): boolean {
    const [shardId, shardCount] = this.shard;
    if (guildId === null) return shardId === 0;
    return Number((BigInt(guildId) >> 22n) % BigInt(shardCount)) === shardId;
  }

  info(): GatewaySessionInfo {
    return {
      sessionId: this.id,
      intents: this.intents,
      shard: [...this.shard],
      connected: this.sink !== null,
      sequence: this.sequence,
      resumes: this.resumes,
    };
  }
}
