import type { RecordedRequest, ScriptedReply, ScriptedResponse } from '../../test/support/llm/fakeLlmServer.js';
import type { ModelCall } from '../brain.js';
import { Random, sleep } from '../random.js';
import { percentile } from '../report.js';
import type { ChaosSettings } from '../settings.js';
import { ChaosStack, type ScenarioResult } from '../stack.js';

/**
 * 500 model faults spread over many turns of many channels, while one more channel, whose model
 * calls are never faulted, chats on: no crash, no silent turn, no turn left running, and the
 * healthy channel's answer latency compared with the same load before the faults start.
 */

const FAULTY_CHANNELS = 16;
const FAULTS = 500;
/** Share of the faulty channels' model calls that get a fault. */
const FAULT_PROBABILITY = 0.6;
/** 10 messages a second over the faulty channels; two a second in the healthy one. */
const SEND_INTERVAL_MS = 100;
const HEALTHY_INTERVAL_MS = 500;
/** The same load without faults first: the healthy channel's baseline latency. */
const BASELINE_MS = 8000;
/** The fault phase ends after 500 faults, after this long, or once the model has not been called for a while. */
const FAULT_PHASE_MAX_MS = 150_000;
const NO_CALLS_FOR_MS = 20_000;
const FILLER = 'tests are green and two reviews are left';
const SETTLE_TIMEOUT_MS = 60_000;

type FaultKind = 'rate_limited' | 'status_500' | 'hang_before_headers' | 'stall_after_headers' | 'stall_midway' | 'malformed_json' | 'malformed_tool_call' | 'cut_stream';

const KINDS: readonly FaultKind[] = ['rate_limited', 'status_500', 'hang_before_headers', 'stall_after_headers', 'stall_midway', 'malformed_json', 'malformed_tool_call', 'cut_stream'];

function faultFor(kind: FaultKind, reply: ScriptedReply, request: RecordedRequest): ScriptedResponse | undefined {
  switch (kind) {
    case 'rate_limited':
      return { fault: { kind: 'status', status: 429, retryAfterSeconds: 0.1 } };
    case 'status_500':
      return { fault: { kind: 'status', status: 500 } };
    case 'hang_before_headers':
      return { fault: { kind: 'hang' } };
    case 'stall_after_headers':
      return { fault: { kind: 'stall', afterChunks: 0, reply } };
    case 'stall_midway':
      return { fault: { kind: 'stall', afterChunks: 3, reply } };
    case 'malformed_json':
      return { fault: { kind: 'malformedJson' } };
    case 'cut_stream':
      return { fault: { kind: 'cutStream', afterChunks: 3, reply } };
    case 'malformed_tool_call':
      // Only where the tool is offered, and not again right after a tool result (the model would loop).
      if (!request.toolNames.includes('remember') || request.messages.at(-1)?.role === 'tool') return undefined;
      return { toolCalls: [{ name: 'remember', arguments: '{"fact": "the release is on' }] };
  }
}

export async function runModel(settings: ChaosSettings): Promise<ScenarioResult> {
  const stack = await ChaosStack.start({ scenario: 'model', settings, channels: FAULTY_CHANNELS + 1, filler: FILLER });
  try {
    const healthyChannel = stack.channelIds.at(-1)!;
    const faultyChannels = stack.channelIds.slice(0, FAULTY_CHANNELS);
    const injected = new Map<FaultKind, number>();
    let total = 0;
    let faultsOn = false;
    const attempts = new Map<number, number>();
    stack.brain.setShaper((call: ModelCall, reply, request) => {
      const last = call.numbers.at(-1);
      const channelId = last === undefined ? undefined : stack.ledger.byNumber.get(last)?.channelId;
      if (!faultsOn || total >= FAULTS || last === undefined || channelId === healthyChannel) return reply;
      // Keyed by the message and the attempt, so that a seed gives each message the same faults.
      const attempt = (attempts.get(last) ?? 0) + 1;
      attempts.set(last, attempt);
      if (Random.keyed(settings.seed, `model:${last}:${attempt}`) >= FAULT_PROBABILITY) return reply;
      let kind = KINDS[Math.floor(Random.keyed(settings.seed, `model-kind:${last}:${attempt}`) * KINDS.length)]!;
      let response = faultFor(kind, reply, request);
      if (!response) {
        kind = 'status_500';
        response = faultFor(kind, reply, request)!;
      }
      injected.set(kind, (injected.get(kind) ?? 0) + 1);
      total += 1;
      return response;
    });
    const bot = stack.addBot('bot');
    await bot.start();
    const faulty = stack.stream(SEND_INTERVAL_MS, faultyChannels);
    const healthy = stack.stream(HEALTHY_INTERVAL_MS, [healthyChannel]);
    await sleep(BASELINE_MS);
    const faultsFrom = Date.now();
    faultsOn = true;
    let endedBy = `${FAULTS} faults`;
    while (total < FAULTS) {
      await sleep(500);
      if (Date.now() - faultsFrom > FAULT_PHASE_MAX_MS) {
        endedBy = `the ${FAULT_PHASE_MAX_MS / 1000} s limit`;
        break;
      }
      const lastCall = stack.brain.calls.at(-1)?.at ?? faultsFrom;
      if (Date.now() - lastCall > NO_CALLS_FOR_MS) {
        endedBy = `the model not being called for ${NO_CALLS_FOR_MS / 1000} s`;
        break;
      }
    }
    const faultsUntil = Date.now();
    faulty.stop();
    healthy.stop();
    return await stack.finish({
      settleTimeoutMs: SETTLE_TIMEOUT_MS,
      details: () => {
        const healthySent = stack.ledger.sent.filter((sent) => sent.channelId === healthyChannel);
        const latency = (from: number, to: number) => {
          const window = healthySent.filter((sent) => sent.sentAt >= from && sent.sentAt < to);
          const times = window.map((sent) => (sent.answeredAt === undefined ? undefined : sent.answeredAt - sent.sentAt));
          const format = (value: number | undefined) => (value === undefined ? 'never' : `${Math.round(value)} ms`);
          return `p50 ${format(percentile(times, 0.5))} / p99 ${format(percentile(times, 0.99))} over ${window.length}`;
        };
        const turnsFaulted = new Set(stack.brain.calls.filter((call) => call.shape !== 'reply').map((call) => call.numbers.at(-1))).size;
        return [
          `faults injected: ${total} in ${Math.round((faultsUntil - faultsFrom) / 1000)} s (ended by ${endedBy}), over the turns of ${turnsFaulted} messages: ${KINDS.map((kind) => `${kind} ${injected.get(kind) ?? 0}`).join(', ')}`,
          `healthy channel answer latency: without faults ${latency(0, faultsFrom)}; during faults ${latency(faultsFrom, faultsUntil)}`,
        ];
      },
    });
  } finally {
    await stack.close();
  }
}
