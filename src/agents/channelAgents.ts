import { userError } from './errors.js';
import { type PersonaChanges, applyPersonaChanges } from './persona.js';
import type { PersonaResolver } from './personaResolver.js';
import type { EngineStores } from './ports.js';
import { isVisiblyEmpty } from './text.js';
import type { TreeService } from './tree/treeService.js';
import { FACT_MAX_CHARACTERS, FACTS_PER_AGENT_MAX } from './tools/remember.js';
import type { Agent, ChannelRef, Fact, Persona, ReplyMode, UsageTotals } from './types.js';

/** Where a command was used: the channel, and its parent when it is a thread. */
export interface CommandPlace extends ChannelRef {
  parentChannelId: string | null;
  /** The invoking user, for DM usage. */
  userId: string;
}

/**
 * What slash commands do to a channel's agent. Every method works on the agent of the channel
 * the command came from, which is how guild isolation holds: no id from a user reaches another
 * channel's data.
 */
export class ChannelAgents {
  constructor(
    private readonly stores: EngineStores,
    private readonly personas: PersonaResolver,
    private readonly onQueued: () => void,
    /** Tokens a guild may use per UTC day (null: no cap), shown by /usage. */
    private readonly guildDailyTokens: number | null,
    private readonly helpers: TreeService,
  ) {}

  async agentFor(place: CommandPlace): Promise<Agent> {
    const existing = await this.stores.agents.findByChannel(place.channelId);
    if (existing) return existing;
    return this.stores.agents.getOrCreateChannelAgent(place, await this.personas.forNewAgent(place, place.parentChannelId));
  }

  /**
   * The helper whose thread this is, or null (any other channel). Commands that would change a
   * channel's agent ask first, so that they create none in a helper's thread.
   */
  async helperOfChannel(place: CommandPlace): Promise<Agent | null> {
    const existing = await this.stores.agents.findByChannel(place.channelId);
    return existing?.kind === 'helper' ? existing : null;
  }

  /** Switched off, the channel's agent also stops the helper trees it started. */
  async setMode(place: CommandPlace, mode: ReplyMode): Promise<void> {
    const agent = await this.agentFor(place);
    await this.stores.agents.setReplyMode(agent.id, mode);
    if (mode === 'off') await this.helpers.cancelTreesOf(agent.id, `cancelled: <@${place.userId}> switched the channel's agent off`);
  }

  async persona(place: CommandPlace): Promise<Persona> {
    return (await this.agentFor(place)).persona;
  }

  /** @throws AppError (user) when a field is invalid; nothing is changed then. */
  async changePersona(place: CommandPlace, changes: PersonaChanges): Promise<Persona> {
    const agent = await this.agentFor(place);
    const persona = applyPersonaChanges(agent.persona, changes);
    await this.stores.agents.setPersona(agent.id, persona);
    return persona;
  }

  async resetPersona(place: CommandPlace): Promise<Persona> {
    const agent = await this.agentFor(place);
    const persona = await this.personas.forNewAgent(place, place.parentChannelId);
    await this.stores.agents.setPersona(agent.id, persona);
    return persona;
  }

  async facts(place: CommandPlace): Promise<Fact[]> {
    return this.stores.memory.facts((await this.agentFor(place)).id, FACTS_PER_AGENT_MAX);
  }

  /** @throws AppError (user) for an empty or over-long fact, or a full memory. */
  async addFact(place: CommandPlace, content: string): Promise<Fact> {
    const fact = content.trim();
    if (isVisiblyEmpty(fact)) throw userError('empty_fact', 'The fact is empty (blank or invisible characters only): write what I should remember.');
    if (fact.length > FACT_MAX_CHARACTERS) {
      throw userError('fact_too_long', `A fact can be at most ${FACT_MAX_CHARACTERS} characters (this one has ${fact.length}).`);
    }
    const agent = await this.agentFor(place);
    if ((await this.stores.memory.countFacts(agent.id)) >= FACTS_PER_AGENT_MAX) {
      throw userError('memory_full', `Memory is full (${FACTS_PER_AGENT_MAX} facts): remove some with /memory forget first.`);
    }
    return this.stores.memory.addFact(agent, fact, place.userId);
  }

  /** @throws AppError (user) when this channel has no such fact. */
  async forgetFact(place: CommandPlace, factId: number): Promise<void> {
    const removed = await this.stores.memory.forgetFact((await this.agentFor(place)).id, factId);
    if (!removed) throw userError('unknown_fact', `This channel has no fact #${factId}. See /memory show for the ids.`);
  }

  async clearFacts(place: CommandPlace): Promise<number> {
    return this.stores.memory.clearFacts((await this.agentFor(place)).id);
  }

  /** A wipe also stops the helper trees the agent started: their results would have nowhere to go. */
  async reset(place: CommandPlace, options: { dropFacts: boolean; wipe: boolean }): Promise<void> {
    const agent = await this.agentFor(place);
    await this.stores.agents.resetConversation(agent.id, options);
    if (options.wipe) await this.helpers.cancelTreesOf(agent.id, `cancelled: <@${place.userId}> wiped the channel's conversation`);
  }

  /** A deleted channel's agent stops the helper trees it started. */
  async channelDeleted(channelId: string): Promise<void> {
    await this.stores.schedules.pause({ channelId }, 'its channel was deleted');
    const agent = await this.stores.agents.findByChannel(channelId);
    if (agent?.kind === 'channel') await this.helpers.cancelTreesOf(agent.id, 'cancelled: its channel was deleted');
  }

  /** The bot left a server (or was removed): its schedules pause, and keep their history. */
  async guildLeft(guildId: string): Promise<void> {
    await this.stores.schedules.pause({ guildId }, 'the bot left the server');
  }

  /** Tokens of this channel and of its guild with its daily cap (or, in a DM, of this user's DMs). */
  async usage(place: CommandPlace): Promise<{ channel: UsageTotals; channelName: 'channel' | 'helper'; scope: UsageTotals; scopeName: 'guild' | 'your DMs'; dailyCap: number | null }> {
    // A helper's tokens count for its tree's channel; in its own thread, "this channel" is the helper.
    const helper = await this.helperOfChannel(place);
    const channel = await this.stores.usage.totals(helper ? { agentId: helper.id } : { channelId: place.channelId });
    const channelName = helper ? 'helper' : 'channel';
    if (place.guildId) return { channel, channelName, scope: await this.stores.usage.totals({ guildId: place.guildId }), scopeName: 'guild', dailyCap: this.guildDailyTokens };
    return { channel, channelName, scope: await this.stores.usage.totals({ dmUserId: place.userId }), scopeName: 'your DMs', dailyCap: null };
  }

  /**
   * Queues the agent again after a failed turn, once `acknowledge` has marked the notice (the
   * turn takes the notice message over, so the mark must land first). The agent must be this
   * channel's: a button copied elsewhere cannot touch another channel.
   * @throws AppError (user) when it is not.
   */
  async retry(place: CommandPlace, agentId: number, acknowledge: () => Promise<void>): Promise<void> {
    const agent = await this.stores.agents.getById(agentId);
    if (!agent || agent.channelId !== place.channelId) {
      throw userError('retry_elsewhere', 'This Retry button belongs to another channel.');
    }
    await acknowledge();
    await this.stores.agents.enqueue(agent.id);
    this.onQueued();
  }
}
