import type { DiscordEmulator } from '../src/discordEmulator/emulator.js';
import { parseAnswer } from './brain.js';
import type { Crash } from './botProcess.js';
import type { DatabaseSnapshot, TurnRow } from './database.js';
import type { BotPost, Ledger, SentMessage } from './ledger.js';

/** A moment the service was interrupted (a kill, the end of an outage) and what it left unanswered. */
export interface Interruption {
  at: number;
  /** Messages a turn was working on at that moment and had not answered yet. */
  interrupted: number[];
}

/** The figures of one scenario. Times in milliseconds. */
export interface Figures {
  sent: number;
  answeredOnce: number;
  answeredTwice: number;
  /** Not answered, but told so (a storage notice replying to it, or a failure notice after a turn took it). */
  notified: number;
  lost: number;
  duplicatePosts: number;
  crashes: number;
  failedTurns: number;
  silentTurns: number;
  runningTurns: number;
  /** Per interruption: until its interrupted messages were answered (or the next answer); undefined = never. */
  recoveries: Array<number | undefined>;
  /** A few examples behind the non-zero figures: emulator message ids, turn ids. */
  evidence: string[];
}

const STORAGE_NOTICE = /could not take/i;
/** A turn's notice may come this long after the turn's recorded end (the post itself is retried). */
const NOTICE_SLACK_AFTER_MS = 20_000;
const NOTICE_SLACK_BEFORE_MS = 2000;
const EVIDENCE_PER_FIGURE = 3;

/**
 * Counts what happened to every message, from what users see (the emulator's final messages and
 * every post the bot created), what the model was asked (brain) and what the bot's database holds.
 */
export function account(input: {
  discord: DiscordEmulator;
  channelIds: readonly string[];
  ledger: Ledger;
  firstSeen: ReadonlyMap<number, number>;
  snapshot: DatabaseSnapshot;
  crashes: readonly Crash[];
  interruptions: readonly Interruption[];
}): Figures {
  const { discord, ledger, snapshot } = input;
  const evidence: string[] = [];
  const note = (figure: string, items: string[]) => {
    if (items.length > 0) evidence.push(`${figure}: ${items.slice(0, EVIDENCE_PER_FIGURE).join('; ')}${items.length > EVIDENCE_PER_FIGURE ? ` (+${items.length - EVIDENCE_PER_FIGURE})` : ''}`);
  };

  // What users see now: each bot message's final text, and which messages it answers.
  const answeredBy = new Map<number, string[]>();
  for (const channelId of input.channelIds) {
    for (const message of discord.channelMessages(channelId)) {
      if (message.author.id !== discord.bot.id) continue;
      for (const n of parseAnswer(message.content) ?? []) answeredBy.set(n, [...(answeredBy.get(n) ?? []), message.id]);
    }
  }
  const posts = [...ledger.posts.values()];
  const noticesByChannel = groupBy(
    posts.filter((post) => post.noticeAt !== undefined),
    (post) => post.channelId,
  );

  let answeredOnce = 0;
  let answeredTwice = 0;
  let notified = 0;
  const lost: SentMessage[] = [];
  const twice: string[] = [];
  for (const sent of ledger.sent) {
    const answers = answeredBy.get(sent.n) ?? [];
    if (answers.length === 1) answeredOnce += 1;
    else if (answers.length > 1) {
      answeredTwice += 1;
      const describe = (id: string) => {
        const post = ledger.posts.get(id);
        return post ? `${id} (nonce ${post.nonce ?? 'none'}, at ${clock(post.createdAt)})` : id;
      };
      twice.push(`[m${sent.n}] ${sent.discordId} answered by ${answers.map(describe).join(', ')}`);
    } else if (wasNotified(sent, posts, noticesByChannel.get(sent.channelId) ?? [], input.firstSeen)) notified += 1;
    else lost.push(sent);
  }
  note('lost', lost.map((sent) => `[m${sent.n}] ${sent.discordId} in ${sent.channelId} sent ${clock(sent.sentAt)} (${snapshot.storedMessageIds.has(sent.discordId) ? 'stored' : 'never stored'}${input.firstSeen.has(sent.n) ? ', seen by the model' : ''})`));
  note('answered twice', twice);

  const duplicates = duplicatePosts(posts);
  note('duplicate posts', duplicates.map((post) => `${post.id} in ${post.channelId} (nonce ${post.nonce ?? 'none'}${post.deleted ? ', deleted later' : ''}): "${post.content.slice(0, 60)}"`));

  const failed = snapshot.turns.filter((turn) => turn.status === 'failed');
  const silent = silentTurns(failed, noticesByChannel);
  note('silent turns', silent.map((turn) => `turn ${turn.id} in ${turn.channelId}: ${turn.error ?? 'no error recorded'}`));
  const running = snapshot.turns.filter((turn) => turn.status === 'running');
  note('running turns', running.map((turn) => `turn ${turn.id} in ${turn.channelId} since ${clock(turn.startedAt)}`));
  note('crashes', input.crashes.map((crash) => `${crash.bot} code ${crash.code} signal ${crash.signal}: ${crash.lastLines.at(-1)?.slice(0, 200) ?? ''}`));

  return {
    sent: ledger.sent.length,
    answeredOnce,
    answeredTwice,
    notified,
    lost: lost.length,
    duplicatePosts: duplicates.length,
    crashes: input.crashes.length,
    failedTurns: failed.length,
    silentTurns: silent.length,
    runningTurns: running.length,
    recoveries: input.interruptions.map((interruption) => recoveryOf(interruption, ledger)),
    evidence,
  };
}

/**
 * A message not answered was still dealt with visibly when the bot replied to it (the storage
 * notice), or when a failure notice appeared in its channel after a turn had taken it to the model.
 */
export function wasNotified(sent: SentMessage, posts: readonly BotPost[], channelNotices: readonly BotPost[], firstSeen: ReadonlyMap<number, number>): boolean {
  if (posts.some((post) => post.replyTo === sent.discordId && !post.deleted)) return true;
  const seenAt = firstSeen.get(sent.n);
  return seenAt !== undefined && channelNotices.some((post) => post.noticeAt! >= seenAt);
}

/**
 * Posts users saw twice: a second message created with a nonce already used in its channel, or
 * a second complete answer with the same text (the same messages answered, by one turn).
 */
function duplicatePosts(posts: readonly BotPost[]): BotPost[] {
  const seen = new Set<string>();
  const duplicates: BotPost[] = [];
  for (const post of [...posts].sort((a, b) => a.createdAt - b.createdAt)) {
    const keys = [post.nonce === null ? undefined : `nonce:${post.channelId}:${post.nonce}`, parseAnswer(post.content) ? `text:${post.channelId}:${post.content}` : undefined].filter(
      (key): key is string => key !== undefined,
    );
    if (keys.some((key) => seen.has(key))) duplicates.push(post);
    for (const key of keys) seen.add(key);
  }
  return duplicates;
}

/**
 * Failed turns with no failure notice of their own: per channel, each time a notice (not a
 * storage notice) appeared or changed within the turn's time vouches for one failed turn, oldest
 * first.
 */
function silentTurns(failed: readonly TurnRow[], noticesByChannel: ReadonlyMap<string, BotPost[]>): TurnRow[] {
  const appearances = new Map<string, Array<{ key: string; at: number }>>();
  for (const [channelId, posts] of noticesByChannel) {
    const times = posts.filter((post) => !STORAGE_NOTICE.test(post.content)).flatMap((post) => post.noticeTimes.map((at, index) => ({ key: `${post.id}:${index}`, at })));
    appearances.set(channelId, times.sort((a, b) => a.at - b.at));
  }
  const used = new Set<string>();
  const silent: TurnRow[] = [];
  for (const turn of [...failed].sort((a, b) => a.startedAt - b.startedAt)) {
    const until = (turn.finishedAt ?? turn.startedAt) + NOTICE_SLACK_AFTER_MS;
    const notice = (appearances.get(turn.channelId) ?? []).find(
      (appearance) => !used.has(appearance.key) && appearance.at >= turn.startedAt - NOTICE_SLACK_BEFORE_MS && appearance.at <= until,
    );
    if (notice) used.add(notice.key);
    else silent.push(turn);
  }
  return silent;
}

export function recoveryOf(interruption: Interruption, ledger: Ledger): number | undefined {
  if (interruption.interrupted.length === 0) {
    const next = ledger.firstAnswerAfter(interruption.at);
    return next === undefined ? undefined : next - interruption.at;
  }
  let latest = interruption.at;
  for (const n of interruption.interrupted) {
    const answeredAt = ledger.byNumber.get(n)?.answeredAt;
    if (answeredAt === undefined) return undefined;
    latest = Math.max(latest, answeredAt);
  }
  return latest - interruption.at;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** `HH:MM:SS.mmm` (UTC), as the bots' logs can be searched for. */
function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}
