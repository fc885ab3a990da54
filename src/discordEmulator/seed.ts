import type { APIUser } from 'discord-api-types/v10';
import type { EmulatorContext } from './context.js';
import { createGuildChannel } from './domain/channels.js';
import { addMember, createUser } from './domain/guilds.js';
import { createGuildFixture } from './testApi/fixtures.js';

/** The default world: one guild with #general, its owner alice, bob, and the bot. */
export interface EmulatorSeed {
  guildId: string;
  /** The text channel `general`. */
  generalId: string;
  /** Guild owner: every permission, including Manage Guild. */
  alice: APIUser;
  /** A member with only @everyone's permissions, for permission tests. */
  bob: APIUser;
  /** The bot's managed role in the guild. */
  botRoleId: string;
}

/** Creates the default world. The bot joins before any client connects, so READY lists the guild. */
export function seedDefaultWorld(context: EmulatorContext): EmulatorSeed {
  const alice = createUser(context, { username: 'alice', globalName: 'Alice' });
  const bob = createUser(context, { username: 'bob', globalName: 'Bob' });
  const guild = createGuildFixture(context, { name: 'Emulator Guild', ownerId: alice.id });
  addMember(context, { guildId: guild.id, userId: bob.id });
  const general = createGuildChannel(context, { guildId: guild.id, name: 'general', topic: 'General chat' });
  return { guildId: guild.id, generalId: general.id, alice, bob, botRoleId: guild.botRoleId ?? '' };
}
