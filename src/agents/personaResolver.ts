import { defaultPersona } from './persona.js';
import type { AgentStore, GuildSettingsStore } from './ports.js';
import type { ChannelRef, Persona } from './types.js';

/**
 * Which persona a new channel agent starts from: a thread takes its parent channel's, otherwise
 * the guild's default, otherwise the global default (DMs always use the global default).
 */
export class PersonaResolver {
  constructor(
    private readonly stores: { agents: AgentStore; guildSettings: GuildSettingsStore },
    private readonly defaultModel: string,
  ) {}

  globalDefault(): Persona {
    return defaultPersona(this.defaultModel);
  }

  async forNewAgent(where: ChannelRef, parentChannelId: string | null): Promise<Persona> {
    if (parentChannelId) {
      const parent = await this.stores.agents.findByChannel(parentChannelId);
      if (parent) return parent.persona;
    }
    return (where.guildId && (await this.stores.guildSettings.defaultPersona(where.guildId))) || this.globalDefault();
  }
}
