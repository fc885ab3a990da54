import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setMaxListeners } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import type { ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { chooseAnswer, type DefaultBrain } from './answerChooser.js';
import { openAiErrorBody, readBodyText, sendJson } from './httpIo.js';
import { invalidRequestReason, RequestLog } from './requestLog.js';
import { sendAnswer } from './responder.js';
import { ResponseQueue } from './responseQueue.js';
import type { RecordedRequest, ScriptedResponse, ScriptFunction } from './types.js';

export type * from './types.js';
export { isScriptedFault } from './types.js';
export { demoBrainReply } from '../../../src/demoBrain/demoBrain.js';

/** Options of {@link startFakeLlm}. */
export interface StartFakeLlmOptions {
  /**
   * What answers when the queue is empty: `'demo'` (the default) is the demo brain; `'none'`
   * answers 500 so an unexpected call fails loudly; a function is installed as with
   * {@link FakeLlm.respondWith}, falling back to the demo brain.
   */
  brain?: DefaultBrain | ScriptFunction;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Extra ids for `GET /v1/models`, besides the defaults and every model requested so far. */
  models?: readonly string[];
  /**
   * The status `GET /v1/models` answers (default 200): e.g. 404 for providers without a model
   * list, 503 for one that is down.
   */
  modelsStatus?: number;
  /** Words per streamed text chunk (default 2). */
  wordsPerChunk?: number;
  /** Pieces each streamed tool call's arguments are split into (default 3). */
  argumentPieces?: number;
}

/** A running scripted OpenAI-compatible server. See test/support/llm/README.md. */
export interface FakeLlm {
  /** `http://127.0.0.1:PORT/v1` — pass it as the SDK's `baseURL` (`OPENAI_BASE_URL`). */
  readonly baseUrl: string;
  readonly port: number;
  /** Every chat-completion request, oldest first (live array). */
  readonly requests: readonly RecordedRequest[];
  /** Queued uses not yet consumed; 0 once the script has played out. */
  readonly queuedResponseCount: number;
  /** Queues `response` for the next `times` (default 1) requests, after those already queued. */
  enqueue(response: ScriptedResponse, options?: { times?: number }): void;
  /** Answers requests the queue does not with `script` (or stops doing so with `undefined`). */
  respondWith(script: ScriptFunction | undefined): void;
  /** The most recent request, or `undefined` before the first. */
  lastRequest(): RecordedRequest | undefined;
  /** Resolves once `count` requests have arrived in total; rejects after `timeoutMs` (default 5000). */
  waitForRequests(count: number, options?: { timeoutMs?: number }): Promise<readonly RecordedRequest[]>;
  /** Forgets recorded requests, queued responses and the script function; the port stays the same. */
  reset(): void;
  /** Stops listening and destroys every socket, hung requests included. Idempotent. */
  close(): Promise<void>;
}

/** Model ids listed by `GET /v1/models` on every server. */
export const DEFAULT_MODEL_IDS: readonly string[] = ['gpt-4o-mini', 'gpt-4o', 'fake-vision'];

/** Starts a server on 127.0.0.1 and resolves once it is listening. */
export async function startFakeLlm(options: StartFakeLlmOptions = {}): Promise<FakeLlm> {
  const server = new FakeLlmServer(options);
  await server.listen(options.port ?? 0);
  return server;
}

class FakeLlmServer implements FakeLlm {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly closing = new AbortController();
  private readonly log = new RequestLog();
  private readonly queue = new ResponseQueue();
  private readonly defaultBrain: DefaultBrain;
  private readonly initialScript: ScriptFunction | undefined;
  private script: ScriptFunction | undefined;
  private readonly modelIds: Set<string>;
  private closed: Promise<void> | undefined;
  port = 0;

  constructor(private readonly options: StartFakeLlmOptions) {
    this.defaultBrain = typeof options.brain === 'function' ? 'demo' : (options.brain ?? 'demo');
    this.initialScript = typeof options.brain === 'function' ? options.brain : undefined;
    this.script = this.initialScript;
    // Every slow or stalled response listens for the close: many at once are expected, not a leak.
    setMaxListeners(0, this.closing.signal);
    this.modelIds = new Set([...DEFAULT_MODEL_IDS, ...(options.models ?? [])]);
    this.server = createServer((request, response) => void this.route(request, response));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  get requests(): readonly RecordedRequest[] {
    return this.log.all;
  }

  get queuedResponseCount(): number {
    return this.queue.size;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  enqueue(response: ScriptedResponse, options: { times?: number } = {}): void {
    this.queue.enqueue(response, options.times);
  }

  respondWith(script: ScriptFunction | undefined): void {
    this.script = script;
  }

  lastRequest(): RecordedRequest | undefined {
    return this.log.all.at(-1);
  }

  waitForRequests(count: number, options: { timeoutMs?: number } = {}): Promise<readonly RecordedRequest[]> {
    return this.log.waitFor(count, options.timeoutMs ?? 5000);
  }

  reset(): void {
    this.log.clear();
    this.queue.clear();
    this.script = this.initialScript;
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.closing.abort();
      this.server.close(() => resolve());
      // server.close() alone waits for every connection to end, and a hung request never does.
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closed;
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    try {
      if (request.method === 'POST' && path === '/v1/chat/completions') return await this.chatCompletion(request, response);
      if (request.method === 'GET' && path === '/v1/models') return this.listModels(response);
      if (request.method === 'GET' && path.startsWith('/v1/models/')) {
        return sendJson(response, 200, this.model(decodeURIComponent(path.slice('/v1/models/'.length))));
      }
      if (request.method === 'GET' && path === '/_control/requests') {
        return sendJson(response, 200, this.log.all.map((recorded) => recorded.body));
      }
      sendJson(response, 404, openAiErrorBody(`Unknown route ${request.method} ${path}`, 'invalid_request_error', 'unknown_url'));
    } catch (error) {
      // A bug in the fake itself: report it to the client rather than crash the test process.
      const message = error instanceof Error ? error.message : String(error);
      if (!response.headersSent) sendJson(response, 500, openAiErrorBody(`fake LLM failed: ${message}`, 'server_error'));
      else response.destroy();
    }
  }

  private async chatCompletion(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const bodyText = await readBodyText(request);
    let body: unknown;
    try {
      body = JSON.parse(bodyText);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return sendJson(response, 400, openAiErrorBody(`The body is not valid JSON: ${reason}`, 'invalid_request_error'));
    }
    const invalidReason = invalidRequestReason(body);
    if (invalidReason) return sendJson(response, 400, openAiErrorBody(invalidReason, 'invalid_request_error'));

    const recorded = this.log.record(body as ChatCompletionCreateParams, request.headers);
    // A connection that ends before the response does: the client aborted (or the server closed).
    response.once('close', () => {
      if (!response.writableFinished) recorded.abandonedAt = new Date();
    });
    this.modelIds.add(recorded.model);
    const answer = await chooseAnswer(recorded, { queue: this.queue, script: this.script, defaultBrain: this.defaultBrain });
    await sendAnswer(response, answer, {
      context: {
        completionId: `chatcmpl-fake-${recorded.index}`,
        model: recorded.model,
        created: Math.floor(recorded.receivedAt.getTime() / 1000),
        requestIndex: recorded.index,
        promptTokens: recorded.promptTokens,
      },
      stream: recorded.stream,
      includeUsage: recorded.includeUsage,
      wordsPerChunk: this.options.wordsPerChunk ?? 2,
      argumentPieces: this.options.argumentPieces ?? 3,
      signal: this.closing.signal,
    });
  }

  private listModels(response: ServerResponse): void {
    const status = this.options.modelsStatus ?? 200;
    if (status !== 200) return sendJson(response, status, openAiErrorBody(`GET /v1/models answers ${status} on this server`, 'server_error'));
    sendJson(response, 200, { object: 'list', data: [...this.modelIds].map((id) => this.model(id)) });
  }

  private model(id: string): { id: string; object: 'model'; created: number; owned_by: string } {
    return { id, object: 'model', created: 0, owned_by: 'fake-llm' };
  }
}
