import type { HelperView, MessageAction } from '../ports.js';
import { clipToTokens, countTextTokens } from '../tokens.js';
import { type Lifecycle, isLive } from '../types.js';

/*
 * What people and spawners read about helpers. Statuses, times and token figures come from the
 * rows, never from a model: a helper cannot report itself done or cheaper than it was.
 */

/** The custom id of the Cancel button under a live helper's header. */
export function cancelActionId(agentId: number): string {
  return `cancel:${agentId}`;
}

const lifecycleLabel: Record<Lifecycle, string> = {
  active: 'working',
  waiting: 'waiting',
  done: 'done ✓',
  failed: 'failed ✗',
  cancelled: 'cancelled',
  timed_out: 'timed out',
};

/** `planner › critic`: the names of a helper's helper ancestors and its own. */
export function lineageLine(view: Pick<HelperView, 'lineage' | 'name'>): string {
  return [...view.lineage, view.name].join(' › ');
}

/** Thread names are 1–100 characters: `<helper> · <task…>`. */
export function threadName(helper: string, task: string): string {
  const name = `${helper} · ${oneLine(task)}`;
  return name.length <= 100 ? name : `${name.slice(0, 99).trimEnd()}…`;
}

/** A helper's status as its header shows it: its state, since when, and what it used. */
export function statusLine(view: HelperView): string {
  const started = `<t:${Math.floor(view.createdAt.getTime() / 1000)}:R>`;
  if (view.lifecycle === 'active') {
    return view.runState === 'running' ? `🔄 running · started ${started}` : `⏳ queued · started ${started}`;
  }
  if (view.lifecycle === 'waiting') return `⏸️ waiting on ${view.liveChildren} helper${view.liveChildren === 1 ? '' : 's'} · started ${started}`;
  const reason = view.lifecycle === 'failed' && view.result ? ` — ${clip(oneLine(view.result), 200)}` : '';
  return `${lifecycleLabel[view.lifecycle]} · ${elapsed(view)} · ${tokens(view.tokensUsed)}${reason}`;
}

/** The header message in the root channel: `helper · task`, the lineage, the status and, while live, Cancel. */
export function headerMessage(view: HelperView): { content: string; actions: MessageAction[] } {
  const lines = [`🪆 **${view.name}** · ${clip(oneLine(view.task), 300)}`];
  if (view.lineage.length > 0) lines.push(`-# ${lineageLine(view)}`);
  lines.push(statusLine(view));
  return { content: lines.join('\n'), actions: isLive(view.lifecycle) ? [{ id: cancelActionId(view.id), label: 'Cancel' }] : [] };
}

function threadLink(view: HelperView): string {
  return view.threadId ? `<#${view.threadId}>` : '(no thread)';
}

/** A result as its spawner receives it: at most `maxTokens`, cut with a pointer to the thread. */
export function resultForSpawner(view: HelperView, maxTokens: number): string {
  const result = (view.result ?? '').trim() || '(no answer)';
  if (countTextTokens(result) <= maxTokens) return result;
  return `${clipToTokens(result, maxTokens)}… [cut at ${maxTokens} tokens; the whole answer is in ${threadLink(view)}]`;
}

/** The one message that brings a spawn call's results back to its spawner. */
export function resultsMessage(callId: number, children: HelperView[], maxTokens: number): string {
  const header = `Results of the ${children.length === 1 ? 'helper' : `${children.length} helpers`} you started (spawn #${callId}):`;
  const blocks = children.map((child, index) =>
    [
      `${index + 1}. ${child.name} — ${lifecycleLabel[child.lifecycle]} · ${elapsed(child)} · ${tokens(child.tokensUsed)} · thread ${threadLink(child)}`,
      `Task: ${clip(oneLine(child.task), 300)}`,
      `Result:\n${resultForSpawner(child, maxTokens)}`,
    ].join('\n'),
  );
  return [header, ...blocks].join('\n\n');
}

/** What `/spawn` posts in the channel when its helper ends (no model call). */
export function resultPost(child: HelperView): string {
  const result = oneLine(child.result ?? '') || '(no answer)';
  return [
    `🪆 **${child.name}** ${lifecycleLabel[child.lifecycle]} · ${elapsed(child)} · ${tokens(child.tokensUsed)} — ${threadLink(child)}`,
    `> ${clip(result, 400)}`,
  ].join('\n');
}

function elapsed(view: Pick<HelperView, 'createdAt' | 'endedAt'>): string {
  const seconds = Math.max(0, Math.round(((view.endedAt ?? new Date()).getTime() - view.createdAt.getTime()) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${seconds % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function tokens(count: number): string {
  return `${count.toLocaleString('en-US')} tokens`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

function clip(text: string, characters: number): string {
  return text.length <= characters ? text : `${text.slice(0, characters - 1).trimEnd()}…`;
}
