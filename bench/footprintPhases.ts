import type { DiscordEmulator } from '../src/discordEmulator/emulator.js';
import { NpmStartBot } from './footprintBot.js';
import { type TreeSnapshot, processTree, sampleTreePeak, ticksToMs } from './footprintTree.js';
import { type ResourceUse, startMeter } from './resources.js';
import type { TurnTracker } from './tracker.js';

/** A start of the bot, from the spawn to its ready line. */
export interface StartFigures {
  /** Spawn → the ready line's own time. */
  readyMs: number;
  /** The tree's RSS when the ready line arrived. */
  rssAtReadyBytes: number;
  /** The tree's largest RSS from the spawn to ready, sampled every PEAK_SAMPLE_MS. */
  peakRssBytes: number;
  /** VmHWM of the bot's own process at ready (a peak between two samples shows here). */
  rootPeakBytes: number;
  /** CPU of the tree from the spawn to ready (the first start's child included). */
  cpuMsToReady: number;
  /** Milliseconds from the spawn to each log message before ready (first occurrence). */
  milestones: Map<string, number>;
}

/** Sequential messages, each sent once the previous one's reply landed. */
export interface ChatFigures {
  botCpuMsPerMessage: number;
  /** Every PostgreSQL process of the machine (as resources.ts counts it), per message. */
  postgresCpuMsPerMessage: number;
  rssAfterBytes: number;
  seconds: number;
}

/** The bot left alone: CPU per second of wall time. */
export interface IdleFigures {
  botMsPerSecond: number;
  /** The bot's CPU in the settling period before the window (none when BENCH_IDLE_SETTLE_SECONDS is 0), where V8's memory reducer runs its full collection. */
  settlingMsPerSecond?: number;
  postgresMsPerSecond: number;
  /** Everything else on the machine, the bot, PostgreSQL and this process excepted; null where /proc cannot tell. */
  otherCores: number | null;
  /** This process: the emulator's heartbeats and the bench. */
  harnessCores: number;
}

export const PEAK_SAMPLE_MS = 50;
const READY_TIMEOUT_MS = 60_000;
/** main.ts exits within 10 s of SIGTERM (its shutdown deadline); a little more for the process to end. */
const STOP_TIMEOUT_MS = 15_000;
const REPLY_TIMEOUT_MS = 10_000;

async function startBot(env: Record<string, string>, readyMessage: string): Promise<{ bot: NpmStartBot; start: StartFigures }> {
  const bot = new NpmStartBot(env);
  const stopSampling = sampleTreePeak(bot.pid, PEAK_SAMPLE_MS);
  let tree: TreeSnapshot;
  let readyAt: number;
  let peakRssBytes: number;
  try {
    readyAt = (await bot.logged(readyMessage, READY_TIMEOUT_MS)).time;
    tree = processTree(bot.pid);
  } catch (error) {
    bot.kill();
    throw error;
  } finally {
    peakRssBytes = stopSampling();
  }
  const milestones = new Map([...bot.firstLogged()].filter(([, at]) => at <= readyAt - bot.spawnedAt));
  return {
    bot,
    start: {
      readyMs: readyAt - bot.spawnedAt,
      rssAtReadyBytes: tree.rssBytes,
      peakRssBytes: Math.max(peakRssBytes, tree.rssBytes),
      rootPeakBytes: tree.rootPeakBytes,
      cpuMsToReady: ticksToMs(tree.cpuTicks),
      milestones,
    },
  };
}

/** Starts the bot, runs `body` once it is ready, stops it with SIGTERM; kills it if anything fails. */
export async function withBot<T>(env: Record<string, string>, readyMessage: string, body: (bot: NpmStartBot) => Promise<T>): Promise<{ start: StartFigures; result: T; stopMs: number }> {
  const { bot, start } = await startBot(env, readyMessage);
  try {
    const result = await body(bot);
    return { start, result, stopMs: await bot.stop(STOP_TIMEOUT_MS) };
  } finally {
    bot.kill();
  }
}

interface Measured<T> {
  result: T;
  botCpuMs: number;
  after: TreeSnapshot;
  resources: ResourceUse;
}

/** The tree's CPU over `work`, and the machine's from resources.ts (PostgreSQL, this process, the rest). */
async function measured<T>(bot: NpmStartBot, work: () => Promise<T>): Promise<Measured<T>> {
  const before = processTree(bot.pid);
  // Started by npm start, the bot has no IPC channel to report its event loop on.
  const stopMeter = startMeter({ pid: bot.pid, measureEventLoop: () => async () => Number.NaN });
  const result = await work();
  const after = processTree(bot.pid);
  return { result, botCpuMs: ticksToMs(after.cpuTicks - before.cpuTicks), after, resources: await stopMeter() };
}

export interface Conversation {
  readonly discord: DiscordEmulator;
  readonly tracker: TurnTracker;
  readonly channelId: string;
}

export async function sendMessages(bot: NpmStartBot, { discord, tracker, channelId }: Conversation, messages: number): Promise<ChatFigures> {
  const window = await measured(bot, async () => {
    for (let index = 0; index < messages; index++) {
      const { sample, content } = tracker.prepare(channelId);
      discord.userSays({ channelId, authorId: discord.seed.alice.id, content });
      await tracker.replyLanded(sample, REPLY_TIMEOUT_MS);
    }
  });
  const { seconds, postgresCores } = window.resources;
  return {
    botCpuMsPerMessage: window.botCpuMs / messages,
    postgresCpuMsPerMessage: ((postgresCores ?? Number.NaN) * seconds * 1000) / messages,
    rssAfterBytes: window.after.rssBytes,
    seconds,
  };
}

const sleep = (seconds: number) => () => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

export async function measureIdle(bot: NpmStartBot, seconds: number, settleSeconds: number): Promise<IdleFigures> {
  const settling = settleSeconds > 0 ? await measured(bot, sleep(settleSeconds)) : null;
  const window = await measured(bot, sleep(seconds));
  const { resources } = window;
  const treeCores = window.botCpuMs / 1000 / resources.seconds;
  return {
    botMsPerSecond: window.botCpuMs / resources.seconds,
    ...(settling ? { settlingMsPerSecond: settling.botCpuMs / settling.resources.seconds } : {}),
    postgresMsPerSecond: (resources.postgresCores ?? Number.NaN) * 1000,
    // resources.ts subtracts the bot's own process only; its descendants are the bot's too.
    otherCores: resources.otherCores === null || resources.botCores === null ? null : Math.max(0, resources.otherCores + resources.botCores - treeCores),
    harnessCores: resources.harnessCores,
  };
}
