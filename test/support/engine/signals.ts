import type { ProcessSignals, SignalTopic } from '../../../src/agents/ports.js';

/** Signals recorded in memory: what this process sent, and a way to play what another one sends. */
export class RecordingSignals implements ProcessSignals {
  readonly sent: SignalTopic[] = [];
  private readonly listeners = new Map<SignalTopic, Array<() => void>>();

  send(topic: SignalTopic): void {
    this.sent.push(topic);
  }

  on(topic: SignalTopic, listener: () => void): void {
    this.listeners.set(topic, [...(this.listeners.get(topic) ?? []), listener]);
  }

  /** Another process sent `topic`. */
  receive(topic: SignalTopic): void {
    for (const listener of this.listeners.get(topic) ?? []) listener();
  }
}
