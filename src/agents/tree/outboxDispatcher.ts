import { DueLoop } from '../dueLoop.js';
import { ChatRefusal } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ChatGateway, DispatchStore, OutboxItem, ProcessSignals, TreeStore } from '../ports.js';
import { headerMessage } from './render.js';

export interface DispatcherOptions {
  owner: string;
  /** How many items one pass claims and sends at once. */
  batch: number;
}

/** How long a claimed item is held before another dispatcher may send it. */
const HOLD_MS = 30_000;
/** Sends of one item before it is given up (Discord's own failures are retried inside each). */
const MAX_ATTEMPTS = 4;
const RETRY_BASE_MS = 1000;
/** How soon a pass that failed (the database was away) is tried again. */
const PASS_RETRY_MS = 1000;

/**
 * Sends the outbox's pending items: a helper's header (which becomes its channel), then its
 * thread (whose opening queues the helper's first turn), header edits, `/spawn` result posts and
 * notices (a schedule that paused itself).
 * Every item was written in the transaction of the change it shows; this only delivers it, so a
 * crash anywhere leaves it pending for the next pass of any process. A pass runs when this
 * process writes an item (`kick`), when an item's retry time comes, and when another process's
 * hold on its items runs out (it signals when it claims some, in case it dies sending them).
 */
export class OutboxDispatcher {
  private readonly passes: DueLoop;

  constructor(
    private readonly deps: { dispatch: DispatchStore; tree: TreeStore; gateway: ChatGateway; signals: ProcessSignals; logger: Logger },
    private readonly options: DispatcherOptions,
    /** An agent was queued by a sent item (a helper's thread opened, a helper failed). */
    private readonly onQueued: () => void,
  ) {
    this.passes = new DueLoop(() => this.drain(), { retryMs: PASS_RETRY_MS, failure: 'sending the outbox failed; will retry' }, deps.logger);
    deps.signals.on('claims', () => this.passes.kick());
  }

  start(): void {
    this.passes.start();
  }

  stop(): Promise<void> {
    return this.passes.stop();
  }

  /** Something was written: send it soon. */
  kick(): void {
    this.passes.kick();
  }

  /**
   * Sends these helpers' headers and threads now, waiting at most `deadlineMs` (a spawn reports
   * thread links at once); what is not done by then is left to the passes.
   */
  async openThreads(agentIds: readonly number[], deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    const work = (async () => {
      let ids = await this.deps.dispatch.pendingFor(agentIds);
      while (ids.length > 0 && Date.now() < deadline) {
        const items = await this.claim({ limit: ids.length, ids });
        const next = await Promise.all(items.map((item) => this.send(item)));
        ids = next.filter((id): id is number => id !== null);
      }
    })();
    const settled = work.catch((error: unknown) => this.deps.logger.warn({ err: error }, 'opening helper threads failed; left to the outbox'));
    // What is not sent by then (its sends still going, or waiting for a retry) is the passes'.
    void settled.then(() => this.kick());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))))]);
    clearTimeout(timer);
  }

  /** Sends what is due, batch by batch. @returns the milliseconds until the next pending item is due. */
  private async drain(): Promise<number | null> {
    for (;;) {
      const items = await this.claim({ limit: this.options.batch });
      if (items.length === 0) return this.deps.dispatch.msToNextDue();
      await Promise.all(items.map((item) => this.send(item)));
    }
  }

  private async claim(options: { limit: number; ids?: readonly number[] }): Promise<OutboxItem[]> {
    const items = await this.deps.dispatch.claim(this.options.owner, { ...options, holdMs: HOLD_MS });
    // Held now: the others send them if this process dies before it does.
    if (items.length > 0) this.deps.signals.send('claims');
    return items;
  }

  /** @returns the item that follows from this one (a header's thread), to send at once. */
  private async send(item: OutboxItem): Promise<number | null> {
    const log = this.deps.logger.child({ outboxId: item.id, kind: item.kind, agentId: item.agentId });
    try {
      return await this.deliver(item);
    } catch (error) {
      const reason = error instanceof ChatRefusal ? error.reason : error instanceof Error ? error.message : String(error);
      const final = error instanceof ChatRefusal || item.attempts + 1 >= MAX_ATTEMPTS;
      log.warn({ err: error, final }, 'an outbox item could not be sent');
      await this.deps.dispatch.failed(item, reason, final ? null : RETRY_BASE_MS * 2 ** item.attempts);
      if (final && (item.kind === 'header' || item.kind === 'thread') && item.agentId !== null) {
        // Never posted in the parent channel instead: the helper fails visibly, and its spawner hears why.
        const what = item.kind === 'header' ? 'post its header' : 'open its thread';
        const { queued } = await this.deps.tree.end([item.agentId], { lifecycle: 'failed', result: `could not ${what}: ${reason}` });
        if (queued) this.onQueued();
        this.kick();
      }
      return null;
    }
  }

  private async deliver(item: OutboxItem): Promise<number | null> {
    const { dispatch, tree, gateway } = this.deps;
    if (item.kind === 'result' || item.kind === 'notice') {
      const post = { channelId: item.channelId, content: item.content, nonce: item.nonce, actions: item.actions, silent: true };
      await dispatch.sent(item, await gateway.postMessage(post));
      return null;
    }
    const view = item.agentId === null ? null : await tree.view(item.agentId);
    if (!view) {
      await dispatch.sent(item, null);
      return null;
    }
    if (item.kind === 'header') {
      const { content, actions } = headerMessage(view);
      const messageId = await gateway.postMessage({ channelId: item.channelId, content, nonce: item.nonce, actions, silent: true });
      return dispatch.headerPosted(item, messageId);
    }
    if (item.kind === 'thread') {
      await gateway.createThread({ channelId: item.channelId, messageId: view.threadId!, name: item.content });
      await dispatch.threadOpened(item);
      this.onQueued();
      return null;
    }
    // A header edit: the header as the helper is now (the header itself shows that when not posted yet).
    if (view.threadId) {
      const { content, actions } = headerMessage(view);
      await gateway.editMessage({ channelId: item.channelId, messageId: view.threadId, content, actions });
    }
    await dispatch.sent(item, null);
    return null;
  }
}
