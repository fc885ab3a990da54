import {
  ApplicationCommandOptionType,
  type APIApplicationCommand,
  type APIApplicationCommandOption,
  type APIInteractionDataResolved,
} from 'discord-api-types/v10';
import type { EmulatorContext } from '../../context.js';
import type { ChannelRecord } from '../../records.js';
import { storeAttachment, attachmentBytes, type AttachmentSource } from '../attachments.js';
import { resolvedChannel, resolvedMember } from './payloads.js';

/**
 * A value a simulated user gives an option: text, a number, a boolean, an id (users, channels,
 * roles, mentionables) or a file (attachment options).
 */
export type CommandOptionValue = string | number | boolean | AttachmentSource;

/** Which command and options a user invokes. */
export interface CommandInvocation {
  name: string;
  subcommandGroup?: string;
  subcommand?: string;
  options?: Record<string, CommandOptionValue>;
  /** For autocomplete: the option being typed (its value may be partial). */
  focused?: string;
}

interface DataOption {
  name: string;
  type: ApplicationCommandOptionType;
  value?: string | number | boolean;
  options?: DataOption[];
  focused?: boolean;
}

/** The `data.options` and `data.resolved` of a chat-input interaction. */
export interface BuiltOptions {
  options: DataOption[];
  resolved: APIInteractionDataResolved | undefined;
}

function fail(message: string): never {
  throw new Error(`invokeCommand: ${message}`);
}

function findNested(options: readonly APIApplicationCommandOption[] | undefined, name: string, type: ApplicationCommandOptionType): APIApplicationCommandOption {
  const found = options?.find((option) => option.name === name && option.type === type);
  if (!found) fail(`"${name}" is not a ${type === ApplicationCommandOptionType.SubcommandGroup ? 'subcommand group' : 'subcommand'} of this command`);
  return found;
}

/**
 * Turns `{ name: value }` into typed interaction options using the registered definition (so a test
 * invokes exactly what Discord's client would let a user submit), filling `resolved` for users,
 * channels, roles and attachments. Unknown options, missing required ones and values outside
 * `choices` throw.
 */
export function buildCommandOptions(context: EmulatorContext, command: APIApplicationCommand, channel: ChannelRecord, userId: string, invocation: CommandInvocation): BuiltOptions {
  let definitions = command.options ?? [];
  const path: Array<{ name: string; type: ApplicationCommandOptionType }> = [];
  if (invocation.subcommandGroup) {
    const group = findNested(definitions, invocation.subcommandGroup, ApplicationCommandOptionType.SubcommandGroup);
    path.push({ name: group.name, type: group.type });
    definitions = 'options' in group ? group.options ?? [] : [];
  }
  if (invocation.subcommand) {
    const sub = findNested(definitions, invocation.subcommand, ApplicationCommandOptionType.Subcommand);
    path.push({ name: sub.name, type: sub.type });
    definitions = 'options' in sub ? sub.options ?? [] : [];
  } else if (definitions.some((option) => option.type === ApplicationCommandOptionType.Subcommand || option.type === ApplicationCommandOptionType.SubcommandGroup)) {
    fail(`/${command.name} needs a subcommand (${definitions.map((option) => option.name).join(', ')})`);
  }
  const resolved: Required<APIInteractionDataResolved> = { users: {}, members: {}, roles: {}, channels: {}, attachments: {} };
  const leaves: DataOption[] = [];
  const given = invocation.options ?? {};
  for (const [name, value] of Object.entries(given)) {
    const definition = definitions.find((option) => option.name === name);
    if (!definition) fail(`/${command.name} has no option "${name}" (options: ${definitions.map((option) => option.name).join(', ') || 'none'})`);
    const focused = invocation.focused === name;
    leaves.push(focused ? { name, type: definition.type, value: String(value), focused: true } : convert(context, channel, userId, definition, value, resolved));
  }
  if (invocation.focused === undefined) {
    for (const definition of definitions) {
      if ('required' in definition && definition.required && !(definition.name in given)) fail(`/${command.name} requires option "${definition.name}"`);
    }
  }
  let options = leaves;
  for (const level of [...path].reverse()) options = [{ name: level.name, type: level.type, options }];
  const used = Object.fromEntries(Object.entries(resolved).filter(([, map]) => Object.keys(map).length > 0));
  return { options, resolved: Object.keys(used).length > 0 ? used : undefined };
}

function convert(
  context: EmulatorContext,
  channel: ChannelRecord,
  userId: string,
  definition: APIApplicationCommandOption,
  value: CommandOptionValue,
  resolved: Required<APIInteractionDataResolved>,
): DataOption {
  const { state } = context;
  const base = { name: definition.name, type: definition.type };
  const choices = 'choices' in definition ? definition.choices : undefined;
  if (choices && !choices.some((choice) => choice.value === value)) fail(`option "${definition.name}" must be one of ${choices.map((choice) => JSON.stringify(choice.value)).join(', ')}`);
  switch (definition.type) {
    case ApplicationCommandOptionType.String:
      return { ...base, value: String(value) };
    case ApplicationCommandOptionType.Integer:
    case ApplicationCommandOptionType.Number: {
      const number = Number(value);
      if (!Number.isFinite(number) || (definition.type === ApplicationCommandOptionType.Integer && !Number.isInteger(number))) fail(`option "${definition.name}" needs a ${definition.type === ApplicationCommandOptionType.Integer ? 'whole number' : 'number'}`);
      return { ...base, value: number };
    }
    case ApplicationCommandOptionType.Boolean:
      return { ...base, value: value === true || value === 'true' };
    case ApplicationCommandOptionType.User:
    case ApplicationCommandOptionType.Mentionable: {
      const id = String(value);
      const user = state.users.get(id);
      const role = channel.guildId ? state.guilds.get(channel.guildId)?.roles.get(id) : undefined;
      if (user) {
        resolved.users[id] = user;
        const member = resolvedMember(context, channel, id);
        if (member) resolved.members[id] = member;
      } else if (role && definition.type === ApplicationCommandOptionType.Mentionable) {
        resolved.roles[id] = role;
      } else {
        fail(`option "${definition.name}": no user${definition.type === ApplicationCommandOptionType.Mentionable ? ' or role' : ''} with id ${id}`);
      }
      return { ...base, value: id };
    }
    case ApplicationCommandOptionType.Role: {
      const role = channel.guildId ? state.guilds.get(channel.guildId)?.roles.get(String(value)) : undefined;
      if (!role) fail(`option "${definition.name}": no role with id ${String(value)}`);
      resolved.roles[role.id] = role;
      return { ...base, value: role.id };
    }
    case ApplicationCommandOptionType.Channel: {
      const target = state.channels.get(String(value)) ?? fail(`option "${definition.name}": no channel with id ${String(value)}`);
      resolved.channels[target.id] = resolvedChannel(context, target, userId);
      return { ...base, value: target.id };
    }
    case ApplicationCommandOptionType.Attachment: {
      if (typeof value !== 'object') fail(`option "${definition.name}" needs { filename, contentType, text | base64 }`);
      const attachment = storeAttachment(context, channel.id, { filename: value.filename, contentType: value.contentType, bytes: attachmentBytes(value) });
      resolved.attachments[attachment.id] = attachment;
      return { ...base, value: attachment.id };
    }
    default:
      return fail(`option "${definition.name}" has an unsupported type ${definition.type}`);
  }
}
