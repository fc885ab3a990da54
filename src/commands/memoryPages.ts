import { type APIActionRowComponent, type APIButtonComponent, ButtonStyle, ComponentType } from 'discord.js';
import { userError } from '../agents/errors.js';
import type { Fact } from '../agents/types.js';
import { placeOf } from './place.js';
import type { ButtonHandler } from './types.js';

/** Custom id of the Previous/Next buttons: `memory-page:<agentId>:<page>`. */
const PAGE_BUTTON = 'memory-page';

/**
 * Characters of facts on one page: Discord's 2,000-character message less room for the header and
 * the footer. A fact holds at most 500, so every page has at least three.
 */
const PAGE_MAX_CHARACTERS = 1800;

/** What `/memory show` (or a page button) shows: the message's content and its buttons. */
export interface FactsPage {
  content: string;
  components: APIActionRowComponent<APIButtonComponent>[];
}

const lineOf = (fact: Fact) => `**#${fact.id}** ${fact.content}`;

/** The facts cut into pages that each fit one message, oldest first; the same facts always cut the same way. */
function pagesOf(facts: readonly Fact[]): Fact[][] {
  const pages: Fact[][] = [];
  let current: Fact[] = [];
  let length = 0;
  for (const fact of facts) {
    const added = lineOf(fact).length + 1;
    if (current.length > 0 && length + added > PAGE_MAX_CHARACTERS) {
      pages.push(current);
      current = [];
      length = 0;
    }
    current.push(fact);
    length += added;
  }
  if (current.length > 0) pages.push(current);
  return pages;
}

/**
 * One page of an agent's facts (1-based; a page past the last shows the last). The header says
 * which facts of how many, and, when there is more than one page, which page of how many; the
 * Previous/Next buttons and `/memory show page:` reach the others.
 */
export function factsPage(facts: readonly Fact[], agentId: number, requestedPage: number): FactsPage {
  if (facts.length === 0) return { content: 'I remember no facts here yet. Add one with /memory add.', components: [] };
  const pages = pagesOf(facts);
  const page = Math.min(Math.max(1, Math.trunc(requestedPage)), pages.length);
  const shown = pages[page - 1]!;
  const lines = shown.map(lineOf);
  if (pages.length === 1) return { content: `**Facts (${facts.length})**\n${lines.join('\n')}`, components: [] };
  const first = pages.slice(0, page - 1).reduce((count, earlier) => count + earlier.length, 0) + 1;
  const last = first + shown.length - 1;
  const beyond = requestedPage > pages.length ? ` (there is no page ${requestedPage})` : '';
  const header = `**Facts ${first}–${last} of ${facts.length}, page ${page} of ${pages.length}**${beyond}`;
  const footer = `More: the buttons below, or \`/memory show page:<1–${pages.length}>\`.`;
  const button = (label: string, target: number): APIButtonComponent => ({
    type: ComponentType.Button,
    style: ButtonStyle.Secondary,
    label,
    custom_id: `${PAGE_BUTTON}:${agentId}:${target}`,
    disabled: target < 1 || target > pages.length,
  });
  return {
    content: `${header}\n${lines.join('\n')}\n${footer}`,
    components: [{ type: ComponentType.ActionRow, components: [button('◀ Previous', page - 1), button('Next ▶', page + 1)] }],
  };
}

/**
 * Previous/Next under `/memory show`. The agent in the custom id must be the agent of the channel
 * the button is pressed in, so a copied or forged id cannot show another channel's (or guild's) facts.
 */
export const memoryPageButton: ButtonHandler = {
  prefix: PAGE_BUTTON,
  async execute(interaction, { channelAgents }) {
    const [, agentText, pageText] = interaction.customId.split(':');
    const agentId = Number(agentText);
    const page = Number(pageText);
    if (!Number.isSafeInteger(agentId) || !Number.isSafeInteger(page)) throw userError('bad_button', 'This button is not valid any more.');
    const place = placeOf(interaction);
    const agent = await channelAgents.agentFor(place);
    if (agent.id !== agentId) throw userError('memory_page_elsewhere', 'These buttons belong to another channel\'s memory: run /memory show here.');
    const { content, components } = factsPage(await channelAgents.facts(place), agentId, page);
    await interaction.update({ content, components, allowedMentions: { parse: [] } });
  },
};
