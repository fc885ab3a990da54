import type { Interruption } from '../accounting.js';
import { CHAOS_APPLICATION_NAME } from '../database.js';
import { PgProxy } from '../pgProxy.js';
import { Random, sleep } from '../random.js';
import type { ChaosSettings } from '../settings.js';
import { streamedOver } from '../brain.js';
import { ChaosStack, type ScenarioResult } from '../stack.js';

/**
 * PostgreSQL failing under load, for the bot alone: its DATABASE_URL points at a TCP proxy of
 * the suite's (the shared server is never stopped). First every connection is cut, alternately at
 * the proxy and by `pg_terminate_backend` on the bot's backends; then the proxy refuses
 * connections for 10 s. Messages sent meanwhile must be answered after recovery, or their
 * authors told that they could not be taken.
 */

const CHANNELS = 8;
/** 5 messages a second over the channels. */
const SEND_INTERVAL_MS = 200;
const CUTS = 8;
const BETWEEN_CUTS_MS: [number, number] = [2500, 5000];
const REFUSE_MS = 10_000;
/** Answers stream for about a second, so faults land mid-turn too. */
const STREAM_SECONDS = 1;
const FILLER = 'the release is on track: tests are green, the changelog is drafted, two reviews are left';
const WARM_UP_MS = 3000;
const TAIL_MS = 6000;
const SETTLE_TIMEOUT_MS = 60_000;

export async function runDatabase(settings: ChaosSettings): Promise<ScenarioResult> {
  const random = new Random(`${settings.seed}:database`);
  const stack = await ChaosStack.start({ scenario: 'database', settings, channels: CHANNELS, filler: FILLER });
  const proxy = await PgProxy.start(stack.database.url);
  try {
    stack.botDatabaseUrl = proxy.urlFor(stack.database.url);
    stack.brain.setShaper(streamedOver(STREAM_SECONDS));
    const bot = stack.addBot('bot');
    await bot.start();
    const stream = stack.stream(SEND_INTERVAL_MS);
    await sleep(WARM_UP_MS);
    const interruptions: Interruption[] = [];
    let proxyCuts = 0;
    let terminated = 0;
    for (let cut = 0; cut < CUTS; cut++) {
      await sleep(random.between(...BETWEEN_CUTS_MS));
      const interrupted = stack.inFlight();
      const at = Date.now();
      if (cut % 2 === 0) proxyCuts += proxy.cutAll();
      else terminated += await terminateBotBackends(stack);
      interruptions.push({ at, interrupted });
    }
    await sleep(random.between(...BETWEEN_CUTS_MS));
    const interrupted = stack.inFlight();
    const refusedFrom = Date.now();
    await proxy.refuse(REFUSE_MS);
    const refusedUntil = Date.now();
    interruptions.push({ at: refusedUntil, interrupted: interrupted.filter((n) => stack.ledger.byNumber.get(n)?.answeredAt === undefined) });
    await sleep(TAIL_MS);
    stream.stop();
    return await stack.finish({
      settleTimeoutMs: SETTLE_TIMEOUT_MS,
      interruptions,
      details: () => {
        const during = stack.ledger.sent.filter((sent) => sent.sentAt >= refusedFrom && sent.sentAt < refusedUntil);
        const notices = [...stack.ledger.posts.values()].filter((post) => /could not take/i.test(post.content));
        return [
          `cut ${proxyCuts} connections at the proxy (${Math.ceil(CUTS / 2)} times), terminated ${terminated} backends (${Math.floor(CUTS / 2)} times), then refused connections for ${REFUSE_MS / 1000} s`,
          `sent during the refusal: ${during.length}, answered: ${during.filter((sent) => sent.answeredAt !== undefined).length}; "could not take" notices: ${notices.length}`,
        ];
      },
    });
  } finally {
    await proxy.close();
    await stack.close();
  }
}

/** `pg_terminate_backend` on every backend of the scenario's database but the suite's own. */
async function terminateBotBackends(stack: ChaosStack): Promise<number> {
  const [row] = await stack.reader<[{ count: number }]>`
    select count(*)::int as count from (
      select pg_terminate_backend(pid) from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and application_name <> ${CHAOS_APPLICATION_NAME}
    ) as terminated`;
  return row.count;
}
