import { sql } from 'drizzle-orm';
import { withTokenCount } from '../src/agents/promptMessages.js';
import { clipToTokens } from '../src/agents/tokens.js';
import type { Agent } from '../src/agents/types.js';
import type { DatabaseHandle } from '../src/db/database.js';

/**
 * Stored conversations for the context-build phase: a Discord-like exchange (short user
 * messages, longer answers: about 90 tokens a message on average), bulk-inserted with
 * generate_series so that 100,000 messages take seconds, each with its exact token count.
 */

const PEOPLE = [
  { id: '100000000000000001', name: 'alice' },
  { id: '100000000000000002', name: 'bob' },
  { id: '100000000000000003', name: 'carol' },
];

const USER_TEXTS = [
  'Can someone remind me when the staging deploy is scheduled? I thought it was Thursday but the calendar says otherwise.',
  'The build on main is red again, looks like the migration test times out on the CI runner. Anyone looking at it?',
  'What was the decision about moving the weekly sync to Tuesdays? I missed the thread.',
  'I pushed a fix for the login redirect, could you review it when you have a minute?',
  'Does anyone have the numbers from last month’s usage report? Marketing is asking for the totals per region.',
  'Quick question: are we still on Node 20 for production, or did the upgrade to 22 go through?',
  'The dashboard shows p99 latency doubling since yesterday evening, is that the new cache or something else?',
  'Thanks, that worked! One more thing: how do I rotate the API key without downtime?',
];

const ASSISTANT_TEXTS = [
  'The staging deploy moved to Friday at 10:00 UTC: the release branch needed one more fix for the billing page, and the team agreed to deploy after the freeze review instead of on Thursday. The calendar entry was updated this morning, so it may not have synced yet. If you need the environment earlier, ask in #ops and someone can deploy a preview of your branch.',
  'The migration test times out because the CI runner has two cores and the test creates a database per file; the template copy is slow when the disk is busy. Two options were discussed: raise the per-test timeout to 30 s, or share one migrated template across files. The second is already done on a branch; it cuts the suite from nine minutes to about four. Until it merges, re-running the job usually passes.',
  'The weekly sync moves to Tuesdays at 15:00 starting next week. The reasons were the Monday release checks and that two people are off on Mondays. Notes stay in the same document, and the agenda closes at noon on the day of the meeting.',
  'Sure. The change looks right: the redirect now keeps the original path and query string, and the open-redirect check still rejects absolute URLs to other hosts. One suggestion: add a test for a path with an encoded question mark, since that case broke last time. Otherwise it is good to merge.',
  'Last month’s totals: 1.2 million requests in Europe, 860 thousand in North America, 310 thousand in Asia-Pacific and 95 thousand elsewhere, about 2.5 million in all, up 14% on the month before. The full report with daily figures is in the shared analytics folder under “monthly usage”.',
  'Production is still on Node 20. The upgrade to 22 passed staging, but it is waiting for the database driver update that fixes a connection-pool warning; the plan is to switch after the next release, once that driver version has run a week on staging.',
  'It is most likely the new cache: it went live at 18:40 yesterday, and the p99 rise starts within minutes of that. The cache misses on the first request for each key and then holds a lock while filling it, so concurrent requests for the same key queue behind it. Rolling back the cache flag for an hour would confirm it; a fix that serves stale values while refreshing is in review.',
  'Create the new key first, deploy it as the secondary key so both are accepted, switch clients to it, and revoke the old one once the logs show no more requests with it. The whole rotation can be done without downtime; the runbook in the wiki has the exact commands for each environment.',
];

interface Template {
  role: 'user' | 'assistant';
  content: string;
  authorId: string | null;
  authorName: string | null;
  tokenCount: number;
}

/** Alternating user and assistant messages; each template's token count is computed exactly. */
function templates(): Template[] {
  return USER_TEXTS.flatMap((userText, index) => {
    const person = PEOPLE[index % PEOPLE.length]!;
    const user = withTokenCount({ role: 'user', content: userText, authorId: person.id, authorName: person.name });
    const answer = withTokenCount({ role: 'assistant', content: ASSISTANT_TEXTS[index]! });
    return [
      { role: 'user' as const, content: user.content, authorId: person.id, authorName: person.name, tokenCount: user.tokenCount },
      { role: 'assistant' as const, content: answer.content, authorId: null, authorName: null, tokenCount: answer.tokenCount },
    ];
  });
}

/** Appends `count` messages to the agent's conversation, oldest first (ids increase with time). */
export async function insertConversation(database: DatabaseHandle, agent: Agent, count: number): Promise<void> {
  const all = templates();
  const rows = sql.join(
    all.map(
      (template, index) =>
        sql`(${index}::int, ${template.role}::text, ${template.content}::text, ${template.authorId}::text, ${template.authorName}::text, ${template.tokenCount}::int)`,
    ),
    sql`, `,
  );
  await database.rows(sql`
    insert into messages (agent_id, guild_id, role, content, author_id, author_name, token_count, created_at)
    select ${agent.id}, ${agent.guildId}, t.role, t.content, t.author_id, t.author_name, t.token_count,
           now() - (${count} - g.i) * interval '1 minute'
    from generate_series(1, ${count}::int) as g(i)
    join (values ${rows}) as t(k, role, content, author_id, author_name, token_count) on t.k = (g.i - 1) % ${all.length}
    order by g.i`);
  // As autovacuum would have by the time a channel holds this much: the planner sees real sizes.
  await database.rows(sql`analyze messages`);
}

/**
 * Where the bot's summariser would have left the cursor: it folds whenever the unsummarised
 * history exceeds `limitTokens` (SUMMARY_TRIGGER × budget), so at most that much stays after
 * it. This returns the id through which everything older is summarised (the largest such
 * remainder, the costliest for the context builder).
 */
export async function summaryCursor(database: DatabaseHandle, agentId: number, limitTokens: number): Promise<number> {
  const [row] = await database.rows<{ through: number | string | null }>(sql`
    select max(id) as through from messages
    where agent_id = ${agentId}
      and id < (select min(id) from (
                  select id, sum(token_count) over (order by id desc) as newer_tokens
                  from messages where agent_id = ${agentId}) kept
                where newer_tokens <= ${limitTokens})`);
  return Number(row?.through ?? 0);
}

/** A summary as long as the summariser lets it grow (its SUMMARY_SHARE of the budget). */
export function summaryText(maxTokens: number): string {
  const points = ASSISTANT_TEXTS.map((text, index) => `- ${PEOPLE[index % PEOPLE.length]!.name} asked; the answer: ${text}`);
  return clipToTokens(`Earlier conversation, summarised:\n${[...points, ...points, ...points].join('\n')}`, maxTokens);
}
