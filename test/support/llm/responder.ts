import type { ServerResponse } from 'node:http';
import { buildChunks, buildCompletion, countCompletionTokens, type CompletionContext } from './completionBuilder.js';
import { sendMalformedJson, sendStatusFault, sendTruncatedJson, withMalformedEvent } from './faults.js';
import { destroyConnection, sendJson } from './httpIo.js';
import { chunkEvents, DONE_EVENT, pause, untilClosed, writeEventStream, type StreamDelivery, type StreamEvent } from './sse.js';
import type { Fault, ScriptedReply } from './types.js';

/** Delivers one chosen answer (a reply, possibly shaped or replaced by a fault) over HTTP. */

/** What the server decided to answer. `reply` is what a cut or slow stream delivers. */
export interface Answer {
  reply: ScriptedReply;
  fault?: Fault;
}

/** Everything about the request and the server that shapes the bytes sent. */
export interface ResponderOptions {
  context: CompletionContext;
  stream: boolean;
  includeUsage: boolean;
  wordsPerChunk: number;
  argumentPieces: number;
  /** Aborted on `close()`, ending slow deliveries. */
  signal: AbortSignal;
}

/** Sends `answer` on `response`; resolves once the response is finished, cut, or left hanging. */
export async function sendAnswer(response: ServerResponse, answer: Answer, options: ResponderOptions): Promise<void> {
  const { fault } = answer;
  switch (fault?.kind) {
    case 'status':
      return sendStatusFault(response, fault);
    case 'hang':
      // Nothing to send: the socket ends when the client times out or the server closes.
      return;
    case 'disconnect':
      return destroyConnection(response);
    case 'malformedJson':
      if (!options.stream) return sendMalformedJson(response);
      return streamReply(response, answer.reply, options, { transform: withMalformedEvent });
    case 'cutStream':
      if (!options.stream) return sendTruncatedJson(response, buildCompletion(answer.reply, options.context));
      return streamReply(response, answer.reply, options, { cutAfterEvents: fault.afterChunks });
    case 'slowStream':
      if (!options.stream) {
        const seconds = countCompletionTokens(answer.reply) / fault.tokensPerSecond;
        if (!(await pause(seconds * 1000, options.signal))) return;
        return sendJson(response, 200, buildCompletion(answer.reply, options.context));
      }
      return streamReply(response, answer.reply, options, { tokensPerSecond: fault.tokensPerSecond });
    case 'stall':
      if (!options.stream) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.flushHeaders();
        return untilClosed(response, options.signal);
      }
      return streamReply(response, answer.reply, options, { stallAfterEvents: fault.afterChunks });
    case undefined:
      if (options.stream) return streamReply(response, answer.reply, options, {});
      return sendJson(response, 200, buildCompletion(answer.reply, options.context));
  }
}

interface StreamShaping extends Omit<StreamDelivery, 'signal'> {
  transform?: (events: StreamEvent[]) => StreamEvent[];
}

async function streamReply(response: ServerResponse, reply: ScriptedReply, options: ResponderOptions, shaping: StreamShaping): Promise<void> {
  const chunks = buildChunks(reply, options.context, options);
  let events = chunkEvents(chunks);
  // A cut stream must never deliver [DONE]: the point is that the client cannot tell it finished.
  if (shaping.cutAfterEvents === undefined) events.push(DONE_EVENT);
  if (shaping.transform) events = shaping.transform(events);
  await writeEventStream(response, events, {
    signal: options.signal,
    cutAfterEvents: shaping.cutAfterEvents,
    tokensPerSecond: shaping.tokensPerSecond,
    stallAfterEvents: shaping.stallAfterEvents,
  });
}
