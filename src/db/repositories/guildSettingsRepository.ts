import { eq } from 'drizzle-orm';
import type { GuildSettingsStore } from '../../agents/ports.js';
import type { Persona } from '../../agents/types.js';
import type { Database } from '../database.js';
import { guildSettings } from '../schema.js';

/** Per-guild settings; today only the default persona new channel agents start from. */
export class GuildSettingsRepository implements GuildSettingsStore {
  constructor(private readonly db: Database) {}

  async defaultPersona(guildId: string): Promise<Persona | null> {
    const [row] = await this.db.select({ persona: guildSettings.defaultPersona }).from(guildSettings).where(eq(guildSettings.guildId, guildId));
    return row?.persona ?? null;
  }
}
