import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIMessage } from 'discord-api-types/v10';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';
import type { RecordedRequest, ScriptedResponse } from '../support/llm/types.js';
import { HANG, helperTask, lastToolResult } from '../support/e2e/helperScripts.js';

/*
 * kill -9 of a bot process in the middle of a 3-level helper tree, then a restart on the same
 * database: the tree completes, and nothing is done twice. The bot runs as a real child process
 * (SIGKILL); the restarted one runs in this process, so that the test can read the database
 * afterwards on PGlite too (one process per directory: the restart takes over the dead one's lock).
 *
 * The tree: the channel agent spawns a planner (which spawns two drafters), a researcher and a
 * critic; when the three report back it answers in the channel. Each kill point is reached
 * without sleeping: a model call that hangs for a chosen helper (the process is provably mid-call),
 * or a Discord route whose response the emulator holds (the request is provably in flight; the
 * emulator completes it after the kill, as Discord would have: the restarted bot must find that
 * thread, header or edit again instead of making another).
 */

const ROOT_FINAL = 'Combined: A, B and C are done.';
const ROOT_STARTED = 'I started three helpers; I will report back.';
const PLANNER_FINAL = 'Plan A: both halves are ready.';
const PLANNER_WAITING = 'Waiting for my two helpers.';
const TASKS = {
  planner: 'Plan part A of the launch',
  researcher: 'Research part B of the launch',
  critic: 'Critique part C of the launch',
  firstDraft: 'Draft the first half of A',
  secondDraft: 'Draft the second half of A',
} as const;
const LEAF_TASKS = [TASKS.researcher, TASKS.critic, TASKS.firstDraft, TASKS.secondDraft];
const ALL_TASKS = [TASKS.planner, ...LEAF_TASKS];

/** The tree's script: the same answers whichever process asks, however often. */
function treeScript(request: RecordedRequest): ScriptedResponse {
  const task = helperTask(request);
  const lastUser = request.lastUserText ?? '';
  if (task === null) {
    if (lastToolResult(request) !== null) return { text: ROOT_STARTED };
    if (lastUser.startsWith('Results of the 3 helpers')) return { text: ROOT_FINAL };
    return {
      toolCalls: [
        {
          name: 'spawn_helpers',
          arguments: {
            helpers: [
              { task: TASKS.planner, helper: 'planner' },
              { task: TASKS.researcher, helper: 'researcher' },
              { task: TASKS.critic, helper: 'critic' },
            ],
          },
        },
      ],
    };
  }
  if (task === TASKS.planner) {
    if (lastToolResult(request) !== null) return { text: PLANNER_WAITING };
    if (lastUser.startsWith('Results of the 2 helpers')) return { text: PLANNER_FINAL };
    return { toolCalls: [{ name: 'spawn_helpers', arguments: { helpers: [{ task: TASKS.firstDraft }, { task: TASKS.secondDraft, helper: 'coder' }] } }] };
  }
  return { text: `Finished: ${task}` };
}

/**
 * A route filter for the emulator's fault API that also reports the requests it matched: the
 * emulator asks it about every request (see `routeMatches` in src/discordEmulator/faults.ts), so
 * a match means "this request has arrived and is being held". It matches once.
 */
class RouteProbe extends RegExp {
  readonly arrived: Array<{ methodPath: string; at: number }> = [];
  constructor(
    pattern: RegExp,
    private readonly accept: (methodPath: string) => boolean = () => true,
  ) {
    super(pattern.source, pattern.flags);
  }
  override test(methodPath: string): boolean {
    if (this.arrived.length > 0 || !super.test(methodPath) || !this.accept(methodPath)) return false;
    this.arrived.push({ methodPath, at: Date.now() });
    return true;
  }
}

/** How long the emulator holds a probed request before handling it (the bot is killed well before). */
const HOLD_MS = 1000;

interface KillPoint {
  name: string;
  /** A model call to hang (once), if this point is a model call. */
  hang?: (request: RecordedRequest) => boolean;
  /** Sets up the emulator before the tree starts, if this point is a Discord request. */
  probe?: (context: { harness: BotHarness; channelId: string }) => RouteProbe;
  /** What the restarted bot must have done about the interrupted step. */
  afterRestart?(context: { harness: BotHarness; channelId: string; probe: RouteProbe | undefined }): void;
  /** Resolves once the process is exactly at the point. */
  reached(context: { harness: BotHarness; channelId: string; probe: RouteProbe | undefined; hung: () => RecordedRequest | undefined }): Promise<unknown>;
}

const headerOf = (harness: BotHarness, channelId: string, task: string) =>
  harness.discord.channelMessages(channelId).find((message) => message.author.id === harness.discord.bot.id && message.content.startsWith('🪆') && message.content.includes(task));

const hungCall = (hung: () => RecordedRequest | undefined, description: string, harness: BotHarness) =>
  harness.discord.waitFor(() => hung(), { timeoutMs: 15_000, description });

const KILL_POINTS: KillPoint[] = [
  {
    name: 'a child running (its model call in flight)',
    hang: (request) => helperTask(request) === TASKS.researcher,
    reached: ({ harness, hung }) => hungCall(hung, 'the researcher\'s model call', harness),
  },
  {
    name: 'a parent waiting on its children while a child runs',
    hang: (request) => helperTask(request) === TASKS.firstDraft,
    // The planner's header says "waiting" only once its lifecycle is 'waiting' in the database.
    reached: async ({ harness, channelId, hung }) => {
      await hungCall(hung, 'the first drafter\'s model call', harness);
      await harness.discord.waitFor(() => headerOf(harness, channelId, TASKS.planner)?.content.includes('⏸️ waiting on') || undefined, {
        timeoutMs: 10_000,
        description: 'the planner\'s header showing it waiting',
      });
    },
  },
  {
    name: 'the results delivered and the spawner\'s continuing turn running',
    hang: (request) => helperTask(request) === null && (request.lastUserText ?? '').startsWith('Results of'),
    reached: ({ harness, hung }) => hungCall(hung, 'the channel agent\'s call with the results', harness),
  },
  {
    name: 'a thread being created',
    // The planner's children: their threads are opened by the planner's spawn.
    probe: ({ harness, channelId }) => {
      const probe = new RouteProbe(new RegExp(`^POST /channels/${channelId}/messages/\\d+/threads$`), (methodPath) => {
        const headerId = methodPath.split('/')[4]!;
        return harness.discord.message(headerId)?.content.includes(TASKS.firstDraft) ?? false;
      });
      harness.discord.faults.delayRest(HOLD_MS, { route: probe });
      return probe;
    },
    reached: ({ harness, probe }) => harness.discord.waitFor(() => probe!.arrived[0], { timeoutMs: 15_000, description: 'the first drafter\'s thread creation' }),
    // The held request of the killed process made the thread; the restarted one asked again and
    // took that thread (one thread per message: 160004). A record is written when its response
    // is, so the held one may land after the restart began: compare the whole list.
    afterRestart: ({ harness, probe }) => {
      const asked = harness.discord.restRequests.filter((request) => `${request.method} ${request.path}` === probe!.arrived[0]!.methodPath);
      expect(asked.map((request) => request.errorCode)).toEqual([null, 160004]);
    },
  },
  {
    name: 'a header being edited',
    // The researcher's header, edited once it answered, while the tree works on: the first
    // drafter's model call hangs, so the planner and the channel agent are still waiting.
    hang: (request) => helperTask(request) === TASKS.firstDraft,
    probe: ({ harness, channelId }) => {
      const probe = new RouteProbe(new RegExp(`^PATCH /channels/${channelId}/messages/\\d+$`), (methodPath) => {
        const header = harness.discord.message(methodPath.split('/')[4]!);
        const answered = harness.llm.requests.some((request) => helperTask(request) === TASKS.researcher && request.outcome?.kind === 'reply');
        return answered && header !== undefined && header.content.startsWith('🪆') && header.content.includes(TASKS.researcher);
      });
      harness.discord.faults.delayRest(HOLD_MS, { route: probe });
      return probe;
    },
    reached: ({ harness, probe }) => harness.discord.waitFor(() => probe!.arrived[0], { timeoutMs: 15_000, description: 'an edit of the researcher\'s header' }),
  },
  {
    name: 'the spawn itself (children stored, their headers being posted)',
    // The channel agent's first call answers with the tool call alone: its first post in the channel is a header.
    probe: ({ harness, channelId }) => {
      const probe = new RouteProbe(new RegExp(`^POST /channels/${channelId}/messages$`));
      harness.discord.faults.delayRest(HOLD_MS, { route: probe });
      return probe;
    },
    reached: ({ harness, probe }) => harness.discord.waitFor(() => probe!.arrived[0], { timeoutMs: 15_000, description: 'the first header\'s post' }),
    afterRestart: ({ harness, probe }) => {
      const held = harness.discord.restRequests.find((request) => `${request.method} ${request.path}` === probe!.arrived[0]!.methodPath);
      expect((held?.body as { content?: string } | undefined)?.content).toMatch(/^🪆/u);
    },
  },
];

const isBot = (harness: BotHarness) => (message: APIMessage) => message.author.id === harness.discord.bot.id;

/**
 * `src/main.ts` bundled once (esbuild, as tsx would compile it; packages stay external): under
 * tsx every start compiles the bot's files again, about three times slower to start on two busy
 * cores, and this file starts a bot for each kill point. Next to it, links to node_modules and
 * migrations, where the bot looks for them (`migrate.ts` finds `../../migrations`).
 */
let bundled: Promise<{ entry: string; remove: () => Promise<void> }> | undefined;
function bundledBot(): Promise<{ entry: string; remove: () => Promise<void> }> {
  bundled ??= (async () => {
    const { build } = await import('esbuild');
    const root = await mkdtemp(join(tmpdir(), 'matryoshka-bot-'));
    await symlink(join(process.cwd(), 'node_modules'), join(root, 'node_modules'));
    await symlink(join(process.cwd(), 'migrations'), join(root, 'migrations'));
    const entry = join(root, 'dist', 'bot', 'main.mjs');
    await build({ entryPoints: ['src/main.ts'], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: entry, logLevel: 'warning' });
    return { entry, remove: () => rm(root, { recursive: true, force: true }) };
  })();
  return bundled;
}

afterAll(async () => {
  await (await bundled)?.remove();
});

describe.each(testDrivers())('a bot process killed in the middle of a helper tree (%s)', (driver) => {
  let harness: BotHarness;
  let child: ChildProcess | undefined;
  let restarted: App | undefined;
  let childOutput = '';

  beforeAll(async () => {
    [harness] = await Promise.all([startHarness(driver), bundledBot()]);
  });
  beforeEach(() => {
    harness.llm.reset();
    harness.discord.faults.clear();
    childOutput = '';
  });
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && childOutput) console.log(`the killed bot's output:\n${childOutput.slice(-20_000)}`);
    harness.discord.faults.clear();
    child?.kill('SIGKILL');
    child = undefined;
    await restarted?.stop();
    restarted = undefined;
  });
  afterAll(() => harness.close());

  /** A bot as `npm start` runs it, in a child process; resolves once it is connected to the gateway. */
  async function startChild(): Promise<ChildProcess> {
    const { discord } = harness;
    const connectedBefore = discord.gatewaySessions().filter((session) => session.connected).length;
    const started = spawn(process.execPath, [(await bundledBot()).entry], {
      env: { PATH: process.env.PATH, ...harness.env(process.env.BOT_LOG ? { LOG_LEVEL: process.env.BOT_LOG } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.stdout!.on('data', (chunk: Buffer) => (childOutput += chunk.toString()));
    started.stderr!.on('data', (chunk: Buffer) => (childOutput += chunk.toString()));
    const exited = new Promise<never>((_, reject) => started.once('exit', (code) => reject(new Error(`the bot exited (${code}) before connecting:\n${childOutput}`))));
    await Promise.race([
      discord.waitFor(() => discord.gatewaySessions().filter((session) => session.connected).length > connectedBefore || undefined, { timeoutMs: 30_000, description: 'the child bot connected' }),
      exited,
    ]);
    return started;
  }

  async function kill(bot: ChildProcess): Promise<number> {
    const exited = new Promise((resolve) => bot.once('exit', resolve));
    bot.kill('SIGKILL');
    // Until it is reaped its pid still names it: the restart could not tell its leases are dead.
    await exited;
    return Date.now();
  }

  for (const point of KILL_POINTS) it(`completes the tree exactly once after a kill at ${point.name}`, async () => {
    const { discord, llm } = harness;
    const channelId = discord.createChannel({ guildId: discord.seed.guildId, name: `crash-${Date.now()}` }).id;
    let hung: RecordedRequest | undefined;
    let killed = false;
    llm.respondWith((request) => {
      // Only the process that is killed hangs: the restarted one is answered.
      if (!killed && !hung && point.hang?.(request)) {
        hung = request;
        return HANG;
      }
      return treeScript(request);
    });
    const probe = point.probe?.({ harness, channelId });

    child = await startChild();
    const asked = harness.mention('launch it, in parts', { channelId });
    await point.reached({ harness, channelId, probe, hung: () => hung });
    killed = true;
    const killedAt = await kill(child);
    child = undefined;
    if (hung) expect(hung.outcome?.kind).toBe('fault');
    if (probe) {
      // Discord handles the held request after the kill: the bot never heard how it went.
      const held = probe.arrived[0]!;
      const handled = await discord.waitFor(() => discord.restRequests.find((request) => `${request.method} ${request.path}` === held.methodPath && request.at >= held.at), {
        timeoutMs: HOLD_MS + 5000,
        description: 'the held request handled',
      });
      expect(handled.at).toBeGreaterThanOrEqual(killedAt);
    }
    discord.faults.clear();

    const restartedAt = Date.now();
    restarted = await startApp(loadConfig(harness.env()), process.env.BOT_LOG ? createLogger(process.env.BOT_LOG) : silentLogger());
    await discord.waitForMessage((message) => isBot(harness)(message) && message.channel_id === channelId && message.content === ROOT_FINAL, { after: asked.id, timeoutMs: 30_000 });
    const database = restarted.database;
    await settle(database, channelId);
    point.afterRestart?.({ harness, channelId, probe });

    // The channel agent said once what it started, and answered once.
    const channelPosts = harness.botMessages(channelId);
    expect(channelPosts.filter((message) => message.content === ROOT_STARTED)).toHaveLength(1);
    expect(channelPosts.filter((message) => message.content === ROOT_FINAL)).toHaveLength(1);
    expect(new Set(channelPosts.map((message) => message.content)).size).toBe(channelPosts.length);
    // Its spawning call was made once: the spawn was not made again by a resumed turn.
    expect(llm.requests.filter((request) => helperTask(request) === null && lastToolResult(request) === null && !(request.lastUserText ?? '').startsWith('Results of'))).toHaveLength(1);

    // One header per helper, one thread per header, each name once; every header shows the end.
    const headers = channelPosts.filter((message) => message.content.startsWith('🪆'));
    expect(headers).toHaveLength(ALL_TASKS.length);
    for (const task of ALL_TASKS) expect(headers.filter((header) => header.content.includes(task)), task).toHaveLength(1);
    const threads = discord.threads(channelId);
    expect(threads).toHaveLength(ALL_TASKS.length);
    expect(new Set(threads.map((thread) => thread.name)).size).toBe(threads.length);
    expect(new Set(threads.map((thread) => thread.id))).toEqual(new Set(headers.map((header) => header.id)));
    for (const header of headers) expect(discord.message(header.id)!.content, header.content).toContain('done ✓');

    // Every helper done, its answer once in its own thread, nothing posted twice there.
    const helpers = await database.rows<{ id: number | string; task: string; lifecycle: string; thread_id: string; ended_at: string | Date; tree_id: number | string }>(sql`
      select id, task, lifecycle, channel_id as thread_id, ended_at, tree_id from agents where kind = 'helper' and home_channel_id = ${channelId} order by id`);
    expect(helpers.map((helper) => helper.task).sort()).toEqual([...ALL_TASKS].sort());
    for (const helper of helpers) {
      expect(helper.lifecycle, helper.task).toBe('done');
      const answer = helper.task === TASKS.planner ? PLANNER_FINAL : `Finished: ${helper.task}`;
      const posts = harness.botMessages(helper.thread_id);
      expect(posts.filter((message) => message.content === answer), helper.task).toHaveLength(1);
      expect(new Set(posts.map((message) => message.content)).size, helper.task).toBe(posts.length);
    }

    // One results message per spawn call (the channel agent's and the planner's), read once.
    const results = await database.rows<{ agent_id: number | string; count: number | string }>(sql`
      select m.agent_id, count(*) as count from messages m join agents a on a.id = m.agent_id
      where m.input_kind = 'results' and (a.channel_id = ${channelId} or a.home_channel_id = ${channelId}) group by m.agent_id`);
    expect(results.map((row) => Number(row.count))).toEqual([1, 1]);
    const [calls] = await database.rows<{ count: number | string; delivered: number | string }>(sql`
      select count(*) as count, count(delivered_at) as delivered from spawn_calls where guild_id = ${discord.seed.guildId} and spawner_id in (
        select id from agents where channel_id = ${channelId} or home_channel_id = ${channelId})`);
    expect([Number(calls!.count), Number(calls!.delivered)]).toEqual([2, 2]);
    const answeredResults = llm.requests.filter((request) => (request.lastUserText ?? '').startsWith('Results of') && request.outcome?.kind === 'reply');
    expect(answeredResults.filter((request) => helperTask(request) === null)).toHaveLength(1);
    expect(answeredResults.filter((request) => helperTask(request) === TASKS.planner)).toHaveLength(1);

    // No helper was asked anything once its result was saved; a leaf was asked once before the
    // kill (or not at all) and once after it only if its answer was not saved yet.
    for (const helper of helpers) {
      const endedAt = new Date(helper.ended_at).getTime();
      expect(llm.requests.filter((request) => helperTask(request) === helper.task && request.receivedAt.getTime() > endedAt), helper.task).toEqual([]);
      if (helper.task === TASKS.planner) continue;
      const asked = llm.requests.filter((request) => helperTask(request) === helper.task);
      expect(asked.filter((request) => request.receivedAt.getTime() < killedAt).length, helper.task).toBeLessThanOrEqual(1);
      expect(asked.filter((request) => request.receivedAt.getTime() >= restartedAt).length, helper.task).toBeLessThanOrEqual(endedAt < killedAt ? 0 : 1);
    }

    // Usage is exact: each usage row of the tree is one answered call as the provider counted it
    // (none counted twice), the rows add up to the agents' figures, and stay within the budget.
    const usage = await database.rows<{ task: string; prompt_tokens: number; completion_tokens: number }>(sql`
      select a.task, u.prompt_tokens, u.completion_tokens from usage u join agents a on a.id = u.agent_id
      where a.kind = 'helper' and a.home_channel_id = ${channelId} order by u.id`);
    const served = llm.requests.filter((request) => helperTask(request) !== null && request.outcome?.kind === 'reply');
    for (const row of usage) {
      const match = served.findIndex((request) => helperTask(request) === row.task && request.promptTokens === row.prompt_tokens && request.outcome?.kind === 'reply' && request.outcome.completionTokens === row.completion_tokens);
      expect(match, `a usage row of "${row.task}" that no answered call accounts for`).toBeGreaterThanOrEqual(0);
      served.splice(match, 1);
    }
    const [tree] = await database.rows<{ usage: number | string; agents: number | string; budget: number | string }>(sql`
      select
        (select coalesce(sum(u.prompt_tokens + u.completion_tokens), 0) from usage u join agents a on a.id = u.agent_id where a.kind = 'helper' and a.home_channel_id = ${channelId}) as usage,
        (select coalesce(sum(tokens_used), 0) from agents where kind = 'helper' and home_channel_id = ${channelId}) as agents,
        (select tree_budget from spawn_calls where id = ${helpers[0]!.tree_id}) as budget`);
    expect(Number(tree!.usage)).toBeGreaterThan(0);
    expect(Number(tree!.agents)).toBe(Number(tree!.usage));
    expect(Number(tree!.usage)).toBeLessThanOrEqual(Number(tree!.budget));
  }, 45_000);

  /**
   * Waits until nothing of this channel's tree is running, queued or left to send (the last
   * header edits wait out their one-a-second limit), re-reading after each emulator event.
   */
  async function settle(database: App['database'], channelId: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const [state] = await database.rows<{ busy: number | string; pending: number | string }>(sql`
        select (select count(*) from agents where (channel_id = ${channelId} or home_channel_id = ${channelId}) and run_state <> 'idle') as busy,
               (select count(*) from outbox o join agents a on a.id = o.agent_id where (a.channel_id = ${channelId} or a.home_channel_id = ${channelId}) and o.status = 'pending') as pending`);
      if (Number(state!.busy) === 0 && Number(state!.pending) === 0) return;
      if (Date.now() > deadline) throw new Error(`the tree did not settle: ${JSON.stringify(state)}`);
      await harness.discord.waitForEvent(() => true, { timeoutMs: 250 }).catch(() => {});
    }
  }
});
