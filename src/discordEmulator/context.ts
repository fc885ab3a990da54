import type { EventLog } from './events.js';
import type { OutgoingDispatch } from './gateway/intents.js';
import type { ResolvedEmulatorOptions } from './options.js';
import type { EmulatorState } from './state.js';

/** The addresses the emulator serves. */
export interface EmulatorUrls {
  /** `http://127.0.0.1:PORT` */
  base: string;
  /** `http://127.0.0.1:PORT/api` — discord.js's `rest.api` (it appends `/v10`). */
  api: string;
  /** `ws://127.0.0.1:PORT/gateway` — what GET /gateway/bot returns. */
  gateway: string;
  /** `ws://127.0.0.1:PORT/gateway-resume` — READY's `resume_gateway_url`. */
  resume: string;
  /** `http://127.0.0.1:PORT/cdn` — where attachment bytes are served. */
  cdn: string;
}

/** Sends dispatches to the gateway sessions that should receive them. */
export interface Dispatcher {
  dispatch(dispatch: OutgoingDispatch, guildId: string | null): void;
}

/** Everything domain operations need; built once per emulator and passed explicitly. */
export interface EmulatorContext {
  readonly state: EmulatorState;
  readonly options: ResolvedEmulatorOptions;
  readonly events: EventLog;
  readonly gateway: Dispatcher;
  readonly urls: EmulatorUrls;
}
