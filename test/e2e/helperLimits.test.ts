import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testDrivers } from '../support/db/testDatabase.js';
import { type BotHarness, startHarness } from '../support/e2e/harness.js';
import type { RecordedRequest, ScriptFunction, ScriptedResponse } from '../support/llm/types.js';
import { helperTask, lastToolResult } from '../support/e2e/helperScripts.js';

/*
 * The limits of helper trees, end to end: the emulator, the scripted model and the real bot.
 * Each test restarts the bots with the settings it needs; the model is scripted per agent (a
 * helper's system prompt names its task, the channel agent's does not).
 */

/** A small context and reply reserve, so that budgets bite after a few calls. */
const SMALL = { CONTEXT_TOKEN_BUDGET: '2000', REPLY_TOKEN_RESERVE: '200' };
const MAX_DEPTH = 3;
const MAX_FANOUT = 5;
const MAX_LIVE = 20;

/** Whether the request folds an agent's history into its summary (no agent persona, no tools). */
function isSummary(request: RecordedRequest): boolean {
  return String(request.messages[0]?.content ?? '').startsWith('You maintain the running summary');
}

/** Every tool result the bot sent the model (each is the last message of the call after it). */
function toolResults(requests: readonly RecordedRequest[]): string[] {
  return [...new Set(requests.flatMap((request) => lastToolResult(request) ?? []))];
}

function spawn(...tasks: string[]): ScriptedResponse {
  return { toolCalls: [{ name: 'spawn_helpers', arguments: { helpers: tasks.map((task) => ({ task })) } }] };
}

/** Whether the request is the channel agent's reading of its helpers' results. */
function readsResults(request: RecordedRequest): boolean {
  return (request.lastUserText ?? '').startsWith('Results of') && lastToolResult(request) === null;
}

interface AgentRow extends Record<string, unknown> {
  id: number | string;
  parent_id: number | string | null;
  spawn_call_id: number | string | null;
  tree_id: number | string | null;
  depth: number;
  task: string | null;
  lifecycle: string;
  result: string | null;
  token_budget: number | null;
  tokens_used: number | string;
  deadline_at: string | Date | null;
  ended_at: string | Date | null;
}

async function helpersOf(bot: App, channelId: string): Promise<AgentRow[]> {
  return bot.database.rows<AgentRow>(
    sql`select id, parent_id, spawn_call_id, tree_id, depth, task, lifecycle, result, token_budget, tokens_used, deadline_at, ended_at
        from agents where kind = 'helper' and home_channel_id = ${channelId} order by id`,
  );
}

interface TreeSums extends Record<string, unknown> {
  tree_id: number | string;
  tree_budget: number | null;
  usage: number | string;
  agents: number | string;
}

/** Per tree of the channel: its budget, the sum of its usage rows and of its agents' tokens_used. */
async function treeSums(bot: App, channelId: string): Promise<TreeSums[]> {
  return bot.database.rows<TreeSums>(sql`
    select t.tree_id, c.tree_budget,
           (select coalesce(sum(u.prompt_tokens + u.completion_tokens), 0) from usage u join agents h on h.id = u.agent_id where h.tree_id = t.tree_id) as usage,
           (select coalesce(sum(h.tokens_used), 0) from agents h where h.tree_id = t.tree_id) as agents
    from (select distinct tree_id from agents where kind = 'helper' and home_channel_id = ${channelId}) t
    join spawn_calls c on c.id = t.tree_id order by t.tree_id`);
}

function expectExactSums(sums: TreeSums[]): void {
  expect(sums.length).toBeGreaterThan(0);
  for (const tree of sums) {
    expect(Number(tree.usage)).toBeGreaterThan(0);
    expect(Number(tree.agents)).toBe(Number(tree.usage));
    expect(tree.tree_budget).not.toBeNull();
    expect(Number(tree.usage)).toBeLessThanOrEqual(Number(tree.tree_budget));
  }
}

/**
 * Reads the guild's live helpers as often as the database answers, until stopped: each reading
 * is one snapshot, so its count is one that was true at some instant.
 */
function sampleLiveHelpers(bot: App, guildId: string): { stop(): Promise<{ max: number; samples: number }> } {
  let stopped = false;
  let max = 0;
  let samples = 0;
  const loop = (async () => {
    while (!stopped) {
      const [row] = await bot.database.rows<{ live: number | string }>(
        sql`select count(*) as live from agents where guild_id = ${guildId} and kind = 'helper' and lifecycle in ('active', 'waiting')`,
      );
      max = Math.max(max, Number(row!.live));
      samples += 1;
      // Often enough to see the peaks, seldom enough not to slow PGlite (it shares this process).
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { max, samples };
    },
  };
}

describe.each(testDrivers())('helper limits (%s)', (driver) => {
  let harness: BotHarness;
  let bot: App;
  let channelId: string;
  let guildId: string;

  beforeAll(async () => {
    harness = await startHarness(driver);
    guildId = harness.discord.seed.guildId;
  });
  beforeEach(() => {
    harness.llm.reset();
    channelId = harness.discord.createChannel({ guildId, name: `limits-${Date.now()}` }).id;
  });
  afterAll(() => harness.close());

  /** The bot's reply `text` in the test's channel, after `afterId`. */
  const channelReply = (text: string, afterId: string, timeoutMs: number) =>
    harness.discord.waitForMessage((message) => message.channel_id === channelId && message.id > afterId && message.content === text, { timeoutMs });

  it('a fork bomb stays within depth, fan-out, live and budget limits, and ends', async () => {
    bot = await harness.restartBots(SMALL);
    let counter = 0;
    // Every helper spawns the maximum fan-out whenever it is offered spawn_helpers (after tool
    // results and results messages too), else answers. The channel agent spawns once, for the
    // person's message: each of its spawns would start a new tree with a fresh budget.
    const forkBomb: ScriptFunction = (request) => {
      const task = helperTask(request);
      if (isSummary(request)) return { text: 'Summary: facets were handed out to helpers.' };
      if (task === null) {
        if (readsResults(request)) return { text: 'The fork bomb is over.' };
        if (lastToolResult(request) !== null) return { text: 'Started the helpers.' };
      } else if (!request.toolNames.includes('spawn_helpers')) {
        return { text: `Done: ${task}` };
      }
      return spawn(...Array.from({ length: MAX_FANOUT }, () => `Study facet ${++counter} of the problem`));
    };
    harness.llm.respondWith(forkBomb);
    const live = sampleLiveHelpers(bot, guildId);
    const startedAt = Date.now();
    const ask = harness.mention('split this up as far as you can', { channelId });
    // About 15 s on PGlite and 5 s on PostgreSQL on 2 idle cores; far more on a busy machine.
    await channelReply('The fork bomb is over.', ask.id, 55_000).finally(() => live.stop());
    const elapsedMs = Date.now() - startedAt;
    const { max: maxLive, samples } = await live.stop();

    const helpers = await helpersOf(bot, channelId);
    const { requests } = harness.llm;
    const results = toolResults(requests);
    console.log(
      `[${driver}] fork bomb: ${helpers.length} helpers, ${requests.length} model calls (${requests.filter(isSummary).length} summaries), ${elapsedMs} ms, max live ${maxLive} (${samples} samples); ` +
        `live refusals ${results.filter((result) => result.includes('HELPER_MAX_LIVE_PER_GUILD')).length}, budget refusals ${results.filter((result) => result.includes('HELPER_MIN_BUDGET')).length}`,
    );

    // It ended: nothing live, and the channel agent read its results once.
    expect(helpers.filter((helper) => helper.lifecycle === 'active' || helper.lifecycle === 'waiting')).toEqual([]);
    expect(requests.filter((request) => helperTask(request) === null && readsResults(request))).toHaveLength(1);
    // Depth: the default budgets stop it at depth 2 (a depth-2 helper's share is below HELPER_MIN_BUDGET to split).
    expect(Math.max(...helpers.map((helper) => helper.depth))).toBe(2);
    const depthOfTask = new Map(helpers.map((helper) => [helper.task!, helper.depth]));
    for (const request of requests) {
      const task = helperTask(request);
      if (task === null) continue;
      const depth = depthOfTask.get(task);
      expect(depth).toBeDefined();
      expect(depth!).toBeLessThanOrEqual(MAX_DEPTH);
      if (depth! >= MAX_DEPTH) expect(request.toolNames).not.toContain('spawn_helpers');
    }
    // Fan-out: no spawn call has more children than HELPER_MAX_FANOUT.
    const perCall = new Map<string, number>();
    for (const helper of helpers) perCall.set(String(helper.spawn_call_id), (perCall.get(String(helper.spawn_call_id)) ?? 0) + 1);
    expect(Math.max(...perCall.values())).toBeLessThanOrEqual(MAX_FANOUT);
    // Live: never more than HELPER_MAX_LIVE_PER_GUILD at once; the limit was reached, and said so.
    expect(maxLive).toBeLessThanOrEqual(MAX_LIVE);
    const liveRefusals = results.filter((result) => result.includes('HELPER_MAX_LIVE_PER_GUILD'));
    expect(liveRefusals.length).toBeGreaterThan(0);
    for (const refusal of liveRefusals) {
      const [, working] = new RegExp(`^Not started: this server has (\\d+) helpers working and allows ${MAX_LIVE} at once \\(HELPER_MAX_LIVE_PER_GUILD\\); wait for some to finish\\.$`).exec(refusal) ?? [];
      expect(Number(working)).toBeLessThanOrEqual(MAX_LIVE);
      expect(Number(working) + MAX_FANOUT).toBeGreaterThan(MAX_LIVE);
    }
    expect(results.some((result) => result.includes('HELPER_MIN_BUDGET'))).toBe(true);
    // Budget: each tree's usage is exactly its agents' and within its budget.
    const sums = await treeSums(bot, channelId);
    expect(sums).toHaveLength(1);
    expect(Number(sums[0]!.tree_budget)).toBe(200_000);
    expectExactSums(sums);
    console.log(`[${driver}] fork bomb: the tree used ${sums[0]!.usage} of its ${sums[0]!.tree_budget} tokens`);
    // No prompt over CONTEXT_TOKEN_BUDGET.
    expect(Math.max(...requests.map((request) => request.promptTokens))).toBeLessThanOrEqual(2000);
  }, 60_000);

  it('with raised budgets a chain reaches HELPER_MAX_DEPTH, where spawn_helpers is not offered; the root reads its result once', async () => {
    bot = await harness.restartBots({ ...SMALL, HELPER_TREE_TOKEN_BUDGET: '1000000' });
    const levelOf = (task: string | null) => (task === null ? 0 : Number(/level (\d+)/.exec(task)![1]));
    harness.llm.respondWith((request) => {
      const task = helperTask(request);
      if (readsResults(request)) return { text: task === null ? 'The chain is complete.' : `Level ${levelOf(task)} is done.` };
      if (lastToolResult(request) !== null) return { text: 'Waiting for my helper.' };
      if (request.toolNames.includes('spawn_helpers')) return spawn(`Descend to level ${levelOf(task) + 1} of the chain`);
      return { text: `The bottom is at level ${levelOf(task)}.` };
    });
    const ask = harness.mention('go as deep as you may', { channelId });
    await channelReply('The chain is complete.', ask.id, 20_000);

    const helpers = await helpersOf(bot, channelId);
    expect(helpers.map((helper) => [helper.depth, helper.task, helper.lifecycle])).toEqual([
      [1, 'Descend to level 1 of the chain', 'done'],
      [2, 'Descend to level 2 of the chain', 'done'],
      [3, 'Descend to level 3 of the chain', 'done'],
    ]);
    const { requests } = harness.llm;
    for (const request of requests) {
      const level = levelOf(helperTask(request));
      if (level < MAX_DEPTH) expect(request.toolNames).toContain('spawn_helpers');
      else expect(request.toolNames).not.toContain('spawn_helpers');
    }
    const rootReads = requests.filter((request) => helperTask(request) === null && readsResults(request));
    expect(rootReads).toHaveLength(1);
    expect(rootReads[0]!.lastUserText).toContain('Level 1 is done.');
    const levelTwoReads = requests.filter((request) => levelOf(helperTask(request)) === 2 && readsResults(request));
    expect(levelTwoReads).toHaveLength(1);
    expect(levelTwoReads[0]!.lastUserText).toContain('The bottom is at level 3.');
    const sums = await treeSums(bot, channelId);
    expect(Number(sums[0]!.tree_budget)).toBe(1_000_000);
    expectExactSums(sums);
  }, 30_000);

  it('a helper whose budget runs out mid-tree ends with what it has, and its spawner still gets every result', async () => {
    const treeBudget = 9200;
    bot = await harness.restartBots({ ...SMALL, HELPER_TREE_TOKEN_BUDGET: String(treeBudget), HELPER_MIN_BUDGET: '1000' });
    harness.llm.respondWith((request) => {
      const task = helperTask(request);
      if (task === null) {
        if (readsResults(request)) return { text: 'The budget test is over.' };
        if (lastToolResult(request) !== null) return { text: 'Started the planner.' };
        return spawn('Plan the spending review');
      }
      if (task.startsWith('Plan')) {
        if (readsResults(request)) return { text: `Planner summary: ${request.lastUserText!.includes('token budget ran out') ? 'the gatherer ran out' : 'all fine'}.` };
        if (lastToolResult(request) !== null) return { text: 'Waiting for the gatherer and the checker.' };
        return spawn('Gather every figure you can find', 'Check one quick fact');
      }
      // The gatherer looks things up for as long as it is let.
      if (task.startsWith('Gather')) return { toolCalls: [{ name: 'recall', arguments: { query: `figures, page ${request.index}` } }] };
      return { text: 'The quick fact checks out.' };
    });
    const ask = harness.mention('review the spending', { channelId });
    await channelReply('The budget test is over.', ask.id, 20_000);

    const helpers = await helpersOf(bot, channelId);
    const gatherer = helpers.find((helper) => helper.task!.startsWith('Gather'))!;
    expect(gatherer.lifecycle).toBe('done');
    expect(gatherer.result).toMatch(/^⚠️ My token budget ran out \([\d,]+ tokens left, the next step needed [\d,]+\), so this is what I have\.$/);
    // Refused on a later call, not the first: it had called the model (and recall) before.
    const gathererCalls = harness.llm.requests.filter((request) => helperTask(request)?.startsWith('Gather'));
    expect(gathererCalls.length).toBeGreaterThanOrEqual(2);
    expect(gathererCalls.length).toBeLessThan(6);
    const plannerReads = harness.llm.requests.filter((request) => helperTask(request)?.startsWith('Plan') && readsResults(request));
    expect(plannerReads).toHaveLength(1);
    expect(plannerReads[0]!.lastUserText).toContain('token budget ran out');
    expect(plannerReads[0]!.lastUserText).toContain('The quick fact checks out.');
    const rootRead = harness.llm.requests.find((request) => helperTask(request) === null && readsResults(request));
    expect(rootRead?.lastUserText).toContain('Planner summary: the gatherer ran out.');
    const sums = await treeSums(bot, channelId);
    expect(Number(sums[0]!.tree_budget)).toBe(treeBudget);
    expectExactSums(sums);
    console.log(`[${driver}] budget test: gatherer budget ${gatherer.token_budget}, used ${gatherer.tokens_used} in ${gathererCalls.length} calls; tree used ${sums[0]!.usage} of ${treeBudget}`);
  }, 30_000);

  it('a helper past HELPER_MAX_SECONDS is timed out: its model call aborted, its header and its spawner told', async () => {
    bot = await harness.restartBots({ ...SMALL, HELPER_MAX_SECONDS: '2' });
    harness.llm.respondWith((request) => {
      const task = helperTask(request);
      if (task !== null) return { fault: { kind: 'hang' } };
      if (readsResults(request)) return { text: 'The oracle never answered.' };
      if (lastToolResult(request) !== null) return { text: 'Asked the oracle.' };
      return spawn('Consult the slow oracle');
    });
    const ask = harness.mention('ask the oracle', { channelId });
    await channelReply('The oracle never answered.', ask.id, 15_000);

    const [helper] = await helpersOf(bot, channelId);
    expect(helper).toMatchObject({ lifecycle: 'timed_out', result: 'timed out' });
    const deadline = new Date(helper!.deadline_at!).getTime();
    // The spawner read "timed out" as this child's result.
    const read = harness.llm.requests.find((request) => helperTask(request) === null && readsResults(request))!;
    expect(read.lastUserText).toMatch(/1\. helper — timed out · \d+ s · [\d,]+ tokens · thread <#\d+>/);
    expect(read.lastUserText).toContain('Result:\ntimed out');
    // The hung model call was aborted: its connection closed soon after the deadline.
    const hung = harness.llm.requests.filter((request) => helperTask(request) !== null);
    expect(hung).toHaveLength(1);
    await expect.poll(() => hung[0]!.abandonedAt, { timeout: 5000 }).toBeInstanceOf(Date);
    const abortedAfterMs = hung[0]!.abandonedAt!.getTime() - deadline;
    expect(abortedAfterMs).toBeGreaterThanOrEqual(-50);
    expect(abortedAfterMs).toBeLessThanOrEqual(3000);
    // Its header says so, without a Cancel button.
    const [thread] = harness.discord.threads(channelId);
    const header = await harness.discord.waitFor(() => {
      const message = harness.discord.message(thread!.id);
      return message?.content.includes('timed out') ? message : undefined;
    }, { timeoutMs: 5000, description: 'the header marked timed out' });
    expect(header.content).toMatch(/^timed out · \d+ s · [\d,]+ tokens$/m);
    expect(header.components ?? []).toHaveLength(0);
    console.log(`[${driver}] timeout: model call aborted ${abortedAfterMs} ms after the deadline`);
  }, 30_000);

  it('a model call that completes just after its helper timed out still counts in the tree', async () => {
    bot = await harness.restartBots({ ...SMALL, HELPER_MAX_SECONDS: '2' });
    let helperId: number | undefined;
    harness.llm.respondWith(async (request) => {
      const task = helperTask(request);
      if (task !== null) {
        // Answers the moment the helper has timed out: before its turn hears of it (lease renewal, ≤ 1 s).
        const [row] = await bot.database.rows<{ id: number | string }>(sql`select id from agents where task = ${task}`);
        helperId = Number(row!.id);
        await expect
          .poll(async () => (await bot.database.rows<{ lifecycle: string }>(sql`select lifecycle from agents where id = ${helperId}`))[0]!.lifecycle, { timeout: 6000, interval: 20 })
          .toBe('timed_out');
        return { text: 'The late oracle speaks at last.' };
      }
      if (readsResults(request)) return { text: 'The late oracle was cut off.' };
      if (lastToolResult(request) !== null) return { text: 'Asked the late oracle.' };
      return spawn('Consult the late oracle');
    });
    const ask = harness.mention('ask the late oracle', { channelId });
    await channelReply('The late oracle was cut off.', ask.id, 15_000);
    // The helper's turn ends after its spawner was told (it hears of the timeout at its lease renewal).
    await expect
      .poll(async () => (await bot.database.rows(sql`select 1 from turns where agent_id = ${helperId!} and status = 'running'`)).length, { timeout: 5000, interval: 20 })
      .toBe(0);
    // Whether the answer landed before the turn heard of it is a race; either way the sums hold.
    const [late] = await bot.database.rows<{ late: boolean }>(
      sql`select exists (select 1 from usage u join agents a on a.id = u.agent_id where a.id = ${helperId!} and u.created_at > a.ended_at) as late`,
    );
    const sums = await treeSums(bot, channelId);
    expect(sums).toHaveLength(1);
    expect(Number(sums[0]!.agents)).toBe(Number(sums[0]!.usage));
    expect(Number(sums[0]!.usage)).toBeLessThanOrEqual(Number(sums[0]!.tree_budget));
    console.log(`[${driver}] late answer: ${late!.late ? 'recorded after the helper ended' : 'stopped before it was stored'}; tree used ${sums[0]!.usage}`);
  }, 30_000);

  it('refuses a fan-out over HELPER_MAX_FANOUT and a task repeating an ancestor\'s, each as a tool result that says why', async () => {
    bot = await harness.restartBots(SMALL);
    harness.llm.respondWith((request) => {
      const task = helperTask(request);
      const toolResult = lastToolResult(request);
      if (task === null) {
        if (readsResults(request)) return { text: 'The vendors are compared.' };
        if (toolResult?.includes('HELPER_MAX_FANOUT')) return spawn('Compare the two vendors');
        if (toolResult !== null) return { text: 'One helper compares them.' };
        return spawn(...Array.from({ length: 7 }, (_, index) => `Look at vendor number ${index + 1}`));
      }
      if (task === 'Compare the two vendors') {
        if (readsResults(request)) return { text: 'Vendor one is cheaper.' };
        if (toolResult !== null) return { text: 'Waiting for the price.' };
        return spawn('Find the price of vendor one');
      }
      if (toolResult !== null) return { text: 'Vendor one costs 10.' };
      // Hands the whole job of the helper above it down again, reworded.
      return spawn('compare the TWO vendors!!');
    });
    const ask = harness.mention('compare our vendors', { channelId });
    await channelReply('The vendors are compared.', ask.id, 20_000);

    const results = toolResults(harness.llm.requests);
    expect(results).toContain('Not started: at most 5 helpers per call (HELPER_MAX_FANOUT = 5); you asked for 7.');
    expect(results).toContain(
      'Not started: the task "compare the TWO vendors!!" repeats the task of a helper above it ("Compare the two vendors"): give a narrower part of it, or do it yourself.',
    );
    const helpers = await helpersOf(bot, channelId);
    expect(helpers.map((helper) => helper.task)).toEqual(['Compare the two vendors', 'Find the price of vendor one']);
  }, 30_000);

  it.runIf(driver === 'postgres')('two processes spawning in one guild at once never pass HELPER_MAX_LIVE_PER_GUILD', async () => {
    // One worker slot each: the two channel agents' turns, held at once below, run in two processes.
    const settings = { ...SMALL, HELPER_MAX_LIVE_PER_GUILD: '6', WORKER_CONCURRENCY: '1' };
    bot = await harness.restartBots(settings);
    await harness.startBot(settings);
    const channels = { red: channelId, blue: harness.discord.createChannel({ guildId, name: `limits-blue-${Date.now()}` }).id };
    /** Opens once `count` callers are waiting at it; `pass` says whether it opened in time. */
    const gate = (count: number) => {
      let arrived = 0;
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      return {
        opened,
        async pass(): Promise<boolean> {
          if (++arrived >= count) open();
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 8000)));
          return Promise.race([opened.then(() => true), late]).finally(() => clearTimeout(timer));
        },
      };
    };
    const spawning = gate(2);
    const bothSpawned = gate(2);
    const colourOf = (request: RecordedRequest) => (JSON.stringify(request.messages).includes('for red') ? 'red' : 'blue');
    harness.llm.respondWith(async (request) => {
      const task = helperTask(request);
      if (task !== null) {
        await bothSpawned.opened;
        return { text: `Done: ${task}` };
      }
      const colour = colourOf(request);
      if (readsResults(request)) return { text: `All ${colour} parts are done.` };
      const toolResult = lastToolResult(request);
      if (toolResult !== null) {
        await bothSpawned.pass();
        return { text: toolResult.startsWith('Started') ? `Started the ${colour} helpers.` : `No ${colour} helpers this time.` };
      }
      // Both channel agents' first calls are answered together, so the two spawns race.
      if (!(await spawning.pass())) return { text: 'The two turns did not run at once.' };
      return spawn(...Array.from({ length: 5 }, (_, index) => `Paint the ${colour} wall, section ${index + 1}`));
    });
    const live = sampleLiveHelpers(bot, guildId);
    harness.mention('five helpers for red, please', { channelId: channels.red });
    harness.mention('five helpers for blue, please', { channelId: channels.blue });
    const texts = new Set(['All red parts are done.', 'No red helpers this time.', 'All blue parts are done.', 'No blue helpers this time.']);
    const finalIn = (id: string) => harness.discord.waitForMessage((message) => message.channel_id === id && texts.has(message.content), { timeoutMs: 20_000 });
    const finals = await Promise.all([finalIn(channels.red), finalIn(channels.blue)]).finally(() => live.stop());
    const { max: maxLive } = await live.stop();

    expect(finals.map((message) => message.content).filter((content) => content.startsWith('All'))).toHaveLength(1);
    const results = toolResults(harness.llm.requests);
    expect(results.filter((result) => result.startsWith('Started 5 helpers'))).toHaveLength(1);
    const refusals = results.filter((result) => result.startsWith('Not started'));
    expect(refusals).toEqual(['Not started: this server has 5 helpers working and allows 6 at once (HELPER_MAX_LIVE_PER_GUILD); wait for some to finish.']);
    expect(maxLive).toBeLessThanOrEqual(6);
    const helpers = [...(await helpersOf(bot, channels.red)), ...(await helpersOf(bot, channels.blue))];
    expect(helpers).toHaveLength(5);
    expect(helpers.every((helper) => helper.lifecycle === 'done')).toBe(true);
  }, 40_000);
});
