import { type AttachmentLimits, AttachmentReader } from './attachmentReader.js';
import { ChannelAgents } from './channelAgents.js';
import { ChatService } from './chatService.js';
import { ContextBuilder } from './context.js';
import type { Logger } from './logger.js';
import { isVisionModel } from './persona.js';
import { PersonaResolver } from './personaResolver.js';
import type { AttachmentFetcher, ChatGateway, ChatModel, EngineStores, ProcessSignals } from './ports.js';
import type { ScheduleManager } from './schedules.js';
import { AgentRuntime } from './runtime.js';
import { Summarizer } from './summarizer.js';
import { createToolbox } from './tools/index.js';
import { OutboxDispatcher } from './tree/outboxDispatcher.js';
import { type TreeLimits, TreeService } from './tree/treeService.js';
import { type TurnObserver, TurnWorker } from './worker.js';

export interface EngineOptions {
  /** Addressed messages one person may send per rolling minute (0: no limit). */
  userTurnsPerMinute: number;
  /** Tokens a guild may use per UTC day (null: no cap). */
  guildDailyTokens: number | null;
  /** Text attachments: their largest size, and how many tokens each may take. */
  attachments: AttachmentLimits;
  owner: string;
  defaultModel: string;
  visionModels: readonly string[];
  tokenBudget: number;
  replyTokenReserve: number;
  summaryTrigger: number;
  leaseMs: number;
  databaseRetryMs: number;
  concurrency: number;
  streamEditIntervalMs: number;
  helpers: Omit<TreeLimits, 'continuationTokens'>;
}

const DISPATCH_BATCH = 20;

/** The engine's parts, composed over its ports. */
export interface Engine {
  chat: ChatService;
  channelAgents: ChannelAgents;
  worker: TurnWorker;
  helpers: TreeService;
  /** Sends helper headers, threads, header edits and result posts. */
  dispatcher: OutboxDispatcher;
}

export function createEngine(
  deps: {
    stores: EngineStores;
    model: ChatModel;
    gateway: ChatGateway;
    attachments: AttachmentFetcher;
    schedules: ScheduleManager;
    signals: ProcessSignals;
    logger: Logger;
    observer?: TurnObserver;
  },
  options: EngineOptions,
): Engine {
  const { stores, model, gateway, signals, logger } = deps;
  const limits = { tokenBudget: options.tokenBudget, summaryTrigger: options.summaryTrigger };
  // Helpers' work queues turns; the worker exists only below, hence the late binding.
  const wake = () => worker.wake();
  const dispatcher = new OutboxDispatcher(
    { dispatch: stores.dispatch, tree: stores.tree, gateway, signals, logger: logger.child({ module: 'outbox' }) },
    { owner: options.owner, batch: DISPATCH_BATCH },
    wake,
  );
  const helpers = new TreeService(
    { tree: stores.tree, gateway, dispatcher, signals, logger: logger.child({ module: 'tree' }) },
    // A spawning helper keeps a full context and the reply reserve for its own answer.
    { ...options.helpers, continuationTokens: options.tokenBudget + options.replyTokenReserve },
    wake,
  );
  const runtime = new AgentRuntime(
    {
      stores,
      model,
      gateway,
      context: new ContextBuilder(stores, limits),
      summarizer: new Summarizer(stores, model, limits, logger.child({ module: 'summarizer' })),
      attachments: new AttachmentReader(stores.messages, deps.attachments, options.attachments),
      toolbox: createToolbox(),
      tree: helpers,
      schedules: deps.schedules,
      logger: logger.child({ module: 'runtime' }),
    },
    {
      replyTokenReserve: options.replyTokenReserve,
      streamEditIntervalMs: options.streamEditIntervalMs,
      databaseRetryMs: options.databaseRetryMs,
      guildDailyTokens: options.guildDailyTokens,
      isVisionModel: (name) => isVisionModel(name, options.visionModels),
    },
  );
  const worker = new TurnWorker(
    stores.queue,
    runtime,
    signals,
    () => dispatcher.kick(),
    { owner: options.owner, leaseMs: options.leaseMs, databaseRetryMs: options.databaseRetryMs, concurrency: options.concurrency },
    logger.child({ module: 'worker' }),
    deps.observer,
  );
  const personas = new PersonaResolver(stores, options.defaultModel);
  return {
    chat: new ChatService(stores, personas, worker, gateway, signals, logger.child({ module: 'chat' }), options.userTurnsPerMinute),
    channelAgents: new ChannelAgents(stores, personas, wake, options.guildDailyTokens, helpers),
    worker,
    helpers,
    dispatcher,
  };
}
