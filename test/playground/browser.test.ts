import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { browserSkipReason, launchChromium } from '../support/browser/chromium.js';
import { NPM_START, ROOT, type Running, cleanEnv, freePort, start, waitForHealthy } from '../ops/processes.js';
import type { PageSession } from '../../src/playground/pageView.js';

/**
 * The playground as a person meets it: `npm start` with PLAYGROUND=1 (no token, no model key), its
 * page in a real Chromium, and one story through it — chat, a persona, helpers, a button, a member
 * refused, a restart. The steps share one bot and one page and run in order. Screenshots of every
 * step go to test/artifacts/playground/.
 */

const ARTIFACTS = join(ROOT, 'test/artifacts/playground');
/** Cold starts compile the sources with tsx, and the demo brain streams 8 words a second, on two cores. */
const STEP_TIMEOUT_MS = 120_000;
/** Any one thing the page waits for: a reply, a status, a restart. */
const WAIT_MS = 60_000;

/** A running `npm start` in playground mode. */
interface Playground {
  bot: Running;
  url: string;
  healthPort: number;
}

/** Starts the bot as `npm start` does, in playground mode, and waits for its page's address. */
async function startPlayground(dataDir: string): Promise<Playground> {
  const healthPort = await freePort();
  const env = cleanEnv({ PLAYGROUND: '1', PLAYGROUND_PORT: '0', HTTP_HOST: '127.0.0.1', HTTP_PORT: String(healthPort), DATA_DIR: dataDir });
  const bot = start(NPM_START.command, NPM_START.args, env);
  try {
    const banner = await printed(bot, /^Matryoshka playground: (http:\/\/127\.0\.0\.1:\d+)(.*)$/m);
    expect(banner[2], 'the banner says that the demo brain answers').toContain(' (demo brain: no model configured');
    expect(bot.stdout()).toMatch(/^To run on a real Discord server instead, .*DISCORD_TOKEN/m);
    expect(await waitForHealthy(bot, healthPort, WAIT_MS)).toMatchObject({ mode: 'playground' });
    return { bot, url: banner[1]!, healthPort };
  } catch (error) {
    bot.killAll();
    throw error;
  }
}

/** Resolves with the first match of `line` in the process's stdout; fails, with its output, if it exits first. */
function printed(running: Running, line: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no line matching ${line} within ${WAIT_MS} ms\n${running.output()}`)), WAIT_MS);
    const check = () => {
      const match = line.exec(running.stdout());
      if (match) done(undefined, match);
    };
    const exited = () => done(new Error(`the bot exited before printing ${line}\n${running.output()}`));
    const done = (error?: Error, match?: RegExpExecArray) => {
      clearTimeout(timer);
      running.child.stdout?.off('data', check);
      running.child.off('close', exited);
      if (match) resolve(match);
      else reject(error);
    };
    // After the collector's own listener (added by start), so stdout() already holds the chunk.
    running.child.stdout?.on('data', check);
    running.child.once('close', exited);
    check();
  });
}

/** Stops the bot as a service manager would and expects a clean exit (the emulator saves its world). */
async function stopPlayground({ bot }: Playground): Promise<void> {
  bot.child.kill('SIGTERM');
  expect(await bot.exited, bot.output().slice(-4000)).toEqual({ code: 0, signal: null });
}

/** A CSS selector for a test id and its data attributes: `testId('thread', { status: 'done' })`. */
function testId(id: string, attributes: Record<string, string> = {}): string {
  return `[data-testid="${id}"]${Object.entries(attributes)
    .map(([name, value]) => `[data-${name}=${JSON.stringify(value)}]`)
    .join('')}`;
}

/**
 * Records every text the bot's messages show, per message id, from the page's first script on:
 * `window.botTexts[id]` lists each distinct text in the order the page showed them.
 */
const RECORD_BOT_TEXTS = `
  window.botTexts = {};
  const record = () => {
    for (const message of document.querySelectorAll('[data-testid="message"][data-author="Matryoshka"]')) {
      const id = message.getAttribute('data-message-id');
      const text = message.querySelector('[data-testid="message-content"]')?.textContent ?? '';
      const texts = (window.botTexts[id] ??= []);
      if (texts.at(-1) !== text) texts.push(text);
    }
  };
  new MutationObserver(record).observe(document, { subtree: true, childList: true, characterData: true });
`;

const skipped = browserSkipReason ? ` — skipped: ${browserSkipReason}` : '';
describe.runIf(browserSkipReason === undefined)(`the playground in Chromium (npm start, PLAYGROUND=1, no token, no model)${skipped}`, () => {
  let dataDir: string;
  let playground: Playground | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let session: PageSession;
  const pageErrors: string[] = [];
  const ids = { alice: '', bob: '', general: '' };
  /** What step (b) posted and got, to find again after the restart. */
  const chat = { messageId: '', replyId: '', replyText: '' };
  const spawned = { threadName: '' };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'matryoshka-playground-'));
    // A copy of the migrated template: a first start's initdb would cost seconds of CPU.
    await cp(inject('pgliteTemplate'), join(dataDir, 'pglite'), { recursive: true });
    await mkdir(ARTIFACTS, { recursive: true });
    // The browser first: without one there is nothing to start the bot for.
    browser = await launchChromium();
    playground = await startPlayground(dataDir);
    session = (await (await fetch(`${playground.url}/api/session`)).json()) as PageSession;
    const userId = (username: string) => session.users.find((user) => user.username === username)?.id ?? '';
    Object.assign(ids, { alice: userId('alice'), bob: userId('bob'), general: session.channels.find((channel) => channel.name === 'general')?.id ?? '' });
    expect(ids, JSON.stringify(session)).not.toMatchObject({ alice: '' });

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(WAIT_MS);
    await context.addInitScript({ content: RECORD_BOT_TEXTS });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
    page.on('console', (message) => message.type() === 'error' && pageErrors.push(`console: ${message.text()}`));
    await page.goto(playground.url);
  }, STEP_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    playground?.bot.killAll();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** On failure: what the page and the bot showed. */
  function explainFailures(step: string): void {
    onTestFailed(async () => {
      await page?.screenshot({ path: join(ARTIFACTS, `failed-${step}.png`) }).catch(() => undefined);
      console.error(`page errors:\n${pageErrors.join('\n') || '(none)'}\nbot output:\n${playground?.bot.output().slice(-6000)}`);
    });
  }
  const screenshot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const composer = () => page.getByTestId('composer');

  async function actAs(userId: string): Promise<void> {
    await page.getByTestId('user-switcher').selectOption(userId);
  }

  async function openChannel(name: string): Promise<void> {
    await page.locator(testId('channel', { name })).click();
    await page.locator(testId('channel', { name, active: 'true' })).waitFor();
  }

  /** Picks `/<label>` in the composer's command picker, fills its options and sends it. */
  async function runCommand(label: string, options: Record<string, string> = {}): Promise<void> {
    await composer().fill(`/${label}`);
    await page.locator(testId('command-choice', { name: label })).click();
    for (const [name, value] of Object.entries(options)) {
      await page.locator(testId('command-option', { name })).locator('input, textarea').first().fill(value);
    }
    await page.getByTestId('command-send').click();
  }

  /** A message of the open channel by its author that contains `text`. */
  const messageOf = (author: string, text: string | RegExp): Locator => page.locator(testId('message', { author })).filter({ hasText: text });

  it('(a) shows that the demo brain answers', async () => {
    explainFailures('a-demo-brain');
    await expect.poll(() => page.getByTestId('model-badge').textContent(), { timeout: WAIT_MS }).toContain('demo brain');
    await page.locator(testId('channel', { name: 'general', active: 'true' })).waitFor();
    await screenshot('a-demo-brain');
  }, STEP_TIMEOUT_MS);

  it('(b) answers a mention in #general, editing its reply while it streams', async () => {
    explainFailures('b-chat');
    await actAs(ids.alice);
    await openChannel('general');
    const text = 'hello from the browser test';
    await composer().fill(`@Matryoshka ${text}`);
    await composer().press('Enter');

    const posted = messageOf('alice', text);
    await posted.waitFor();
    chat.messageId = (await posted.getAttribute('data-message-id'))!;
    // The page turned the typed name into a mention, which the API shows as Discord does.
    const stored = await messagesOf(ids.general);
    expect(stored.find((message) => message.id === chat.messageId)?.content).toBe(`<@${session.bot.id}> ${text}`);

    // The demo brain echoes, and its reply ends with the demo note once it has streamed in full.
    const reply = messageOf('Matryoshka', new RegExp(`Echo:.*${text}`));
    await reply.getByTestId('message-content').filter({ hasText: 'for a real one)' }).waitFor();
    chat.replyId = (await reply.getAttribute('data-message-id'))!;
    chat.replyText = (await reply.getByTestId('message-content').textContent())!;
    expect(chat.replyText).toContain('demo brain: scripted answers');

    const shown = await page.evaluate((id) => (globalThis as unknown as { botTexts: Record<string, string[]> }).botTexts[id] ?? [], chat.replyId);
    expect(shown.at(-1)).toBe(chat.replyText);
    // Before its final text the page showed at least one shorter, partial text of the same reply.
    const partial = shown.slice(0, -1).filter((earlier) => earlier.trim() !== '' && earlier.length < chat.replyText.length);
    expect(partial, `texts the page showed: ${JSON.stringify(shown)}`).not.toEqual([]);
    const final = (await messagesOf(ids.general)).find((message) => message.id === chat.replyId);
    expect(final?.edited_timestamp, 'the reply was edited on the emulator').toBeTruthy();
    await screenshot('b-chat');
  }, STEP_TIMEOUT_MS);

  it('(c) sets a persona through /persona set and its modal', async () => {
    explainFailures('c-persona');
    await runCommand('persona set');
    const modal = page.getByTestId('modal');
    await modal.waitFor();
    await modal.locator(testId('modal-field', { 'custom-id': 'name' })).fill('Captain Matryoshka');
    await modal.locator(testId('modal-field', { 'custom-id': 'instructions' })).fill('Answer like a ship captain.');
    await screenshot('c-persona-modal');
    await modal.getByTestId('modal-submit').click();
    await modal.waitFor({ state: 'detached' });

    const confirmation = page.locator(testId('message', { author: 'Matryoshka', ephemeral: 'true' })).filter({ hasText: 'Persona updated' });
    await confirmation.waitFor();
    await confirmation.getByText('Captain Matryoshka').waitFor();
    await screenshot('c-persona');
  }, STEP_TIMEOUT_MS);

  it('(d) /spawn opens a helper thread under #general whose status goes to done', async () => {
    explainFailures('d-spawn');
    await runCommand('spawn', { task: 'say hello' });
    await page.locator(testId('message', { author: 'Matryoshka', ephemeral: 'true' })).filter({ hasText: 'Started helper' }).waitFor();

    const thread = page.locator(testId('thread', { 'parent-id': ids.general })).filter({ hasText: 'say hello' });
    await thread.waitFor();
    spawned.threadName = (await thread.getAttribute('data-name'))!;
    expect(spawned.threadName).toBe('helper · say hello');
    await screenshot('d-spawn-running');
    await page.locator(testId('thread', { name: spawned.threadName, status: 'done' })).waitFor();
    await screenshot('d-spawn-done');
  }, STEP_TIMEOUT_MS);

  it('(e) the Cancel button under a live helper\'s header cancels it', async () => {
    explainFailures('e-cancel');
    // A long task: the demo brain echoes it at 8 words a second, which leaves time to press Cancel.
    const task = `count sheep ${Array.from({ length: 150 }, (_, index) => `sheep-${index + 1}`).join(' ')}`;
    await runCommand('spawn', { task });
    const header = messageOf('Matryoshka', '🪆 helper · count sheep');
    const cancel = header.getByTestId('message-button').filter({ hasText: 'Cancel' });
    await cancel.waitFor();
    await screenshot('e-cancel-live');
    await cancel.click();

    await header.filter({ hasText: 'cancelled' }).waitFor();
    await cancel.waitFor({ state: 'detached' });
    await page.locator(testId('thread', { 'parent-id': ids.general, status: 'cancelled' })).filter({ hasText: 'count sheep' }).waitFor();
    await screenshot('e-cancel');
  }, STEP_TIMEOUT_MS);

  it('(f) refuses bob, a member without Manage Channels, /persona set — only he sees why', async () => {
    explainFailures('f-refused');
    await actAs(ids.bob);
    await runCommand('persona set');
    const refusal = page.locator(testId('message', { author: 'Matryoshka', ephemeral: 'true' })).filter({ hasText: 'You need the Manage Channels permission' });
    await refusal.waitFor();
    expect(await page.getByTestId('modal').count()).toBe(0);
    await screenshot('f-refused');

    await actAs(ids.alice);
    await page.locator(testId('message', { 'message-id': chat.replyId })).waitFor();
    expect(await refusal.count(), 'alice does not see bob\'s refusal').toBe(0);
  }, STEP_TIMEOUT_MS);

  it('(g) after a restart on the same DATA_DIR shows the same channels, threads and messages', async () => {
    explainFailures('g-restart');
    page.once('dialog', (dialog) => void dialog.accept('notes'));
    await page.getByTestId('add-channel').click();
    await page.locator(testId('channel', { name: 'notes', active: 'true' })).waitFor();
    await openChannel('general');

    // The tab is closed first: its event stream would retry the stopped server and log every refusal.
    await page.goto('about:blank');
    await stopPlayground(playground!);
    playground = await startPlayground(dataDir);
    const restarted = (await (await fetch(`${playground.url}/api/session`)).json()) as PageSession;
    expect(restarted.guild.id).toBe(session.guild.id);
    expect(restarted.channels.map((channel) => [channel.id, channel.name])).toEqual([
      [ids.general, 'general'],
      [expect.any(String), 'notes'],
    ]);

    await page.goto(playground.url);
    await page.locator(testId('channel', { name: 'notes' })).waitFor();
    await openChannel('general');
    await page.locator(testId('message', { 'message-id': chat.messageId, author: 'alice' })).waitFor();
    const reply = page.locator(testId('message', { 'message-id': chat.replyId })).getByTestId('message-content');
    expect(await reply.textContent()).toBe(chat.replyText);
    await page.locator(testId('thread', { name: spawned.threadName, status: 'done' })).waitFor();
    await screenshot('g-restart');
    expect(pageErrors).toEqual([]);
  }, STEP_TIMEOUT_MS);

  /** The channel's messages as alice sees them, from the emulator through the page's API. */
  async function messagesOf(channelId: string): Promise<Array<{ id: string; content: string; edited_timestamp: string | null }>> {
    const response = await fetch(`${playground!.url}/api/channels/${channelId}/messages?as=${ids.alice}`);
    expect(response.status).toBe(200);
    return (await response.json()) as Array<{ id: string; content: string; edited_timestamp: string | null }>;
  }
});
