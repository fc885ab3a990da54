import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type APIApplicationCommand,
  type APIApplicationCommandOption,
} from 'discord-api-types/v10';
import type { EmulatorContext } from '../context.js';
import { DiscordErrors, invalidFormBody, type FieldError } from '../errors.js';
import { badLength, maxLength } from './validation.js';

type Path = ReadonlyArray<string | number>;

/** Discord's rule for CHAT_INPUT command and option names (and they must be lowercase). */
const CHAT_INPUT_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function checkName(name: unknown, chatInput: boolean, path: Path, errors: FieldError[]): void {
  if (typeof name !== 'string' || name.length < 1 || name.length > 32) {
    errors.push(badLength([...path, 'name'], 1, 32));
  } else if (chatInput && (!CHAT_INPUT_NAME.test(name) || name !== name.toLowerCase())) {
    errors.push({ path: [...path, 'name'], code: 'APPLICATION_COMMAND_INVALID_NAME', message: 'Command name is invalid' });
  }
}

function checkOptions(options: unknown, path: Path, errors: FieldError[]): void {
  if (options === undefined || options === null) return;
  if (!Array.isArray(options)) {
    errors.push({ path: [...path, 'options'], code: 'BASE_TYPE_LIST', message: 'Must be a list.' });
    return;
  }
  if (options.length > 25) errors.push(maxLength([...path, 'options'], 25));
  const names = new Set<string>();
  let sawOptional = false;
  (options as APIApplicationCommandOption[]).forEach((option, index) => {
    const at = [...path, 'options', index];
    checkName(option.name, true, at, errors);
    if (names.has(option.name)) errors.push({ path: [...at, 'name'], code: 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS', message: 'Option names must be unique' });
    names.add(option.name);
    if (typeof option.description !== 'string' || option.description.length < 1 || option.description.length > 100) {
      errors.push(badLength([...at, 'description'], 1, 100));
    }
    const nested = option.type === ApplicationCommandOptionType.Subcommand || option.type === ApplicationCommandOptionType.SubcommandGroup;
    if (nested) {
      checkOptions(option.options, at, errors);
      return;
    }
    const required = 'required' in option && option.required === true;
    if (required && sawOptional) errors.push({ path: [...at, 'required'], code: 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', message: 'Required options must be placed before non-required options' });
    if (!required) sawOptional = true;
    const choices = 'choices' in option ? option.choices : undefined;
    if (choices && 'autocomplete' in option && option.autocomplete) {
      errors.push({ path: [...at, 'autocomplete'], code: 'APPLICATION_COMMAND_AUTOCOMPLETE_INVALID', message: 'Autocomplete cannot be set on options with choices' });
    }
    if (choices && choices.length > 25) errors.push(maxLength([...at, 'choices'], 25));
    choices?.forEach((choice, choiceIndex) => {
      if (choice.name.length < 1 || choice.name.length > 100) errors.push(badLength([...at, 'choices', choiceIndex, 'name'], 1, 100));
      if (typeof choice.value === 'string' && choice.value.length > 100) errors.push(maxLength([...at, 'choices', choiceIndex, 'value'], 100));
    });
  });
}

/** Collects the validation errors of one command body, prefixed with `path` (the index in a bulk PUT). */
function commandErrors(body: Record<string, unknown>, path: Path): FieldError[] {
  const errors: FieldError[] = [];
  const type = body.type ?? ApplicationCommandType.ChatInput;
  const chatInput = type === ApplicationCommandType.ChatInput;
  checkName(body.name, chatInput, path, errors);
  const description = body.description ?? '';
  if (chatInput && (typeof description !== 'string' || description.length < 1 || description.length > 100)) errors.push(badLength([...path, 'description'], 1, 100));
  if (!chatInput && description !== '') errors.push({ path: [...path, 'description'], code: 'APPLICATION_COMMAND_INVALID_DESCRIPTION', message: 'Context menu commands cannot have a description' });
  if (chatInput) checkOptions(body.options, path, errors);
  if (JSON.stringify(body).length > 8000) errors.push({ path: [...path], code: 'APPLICATION_COMMAND_TOO_LARGE', message: 'Command exceeds maximum size (8000)' });
  return errors;
}

function toCommand(context: EmulatorContext, body: Record<string, unknown>, guildId: string | null, existing: APIApplicationCommand | undefined): APIApplicationCommand {
  const command: APIApplicationCommand = {
    id: existing?.id ?? context.state.ids.next(),
    application_id: context.state.application.id,
    version: context.state.ids.next(),
    type: (body.type as ApplicationCommandType | undefined) ?? ApplicationCommandType.ChatInput,
    name: body.name as string,
    name_localizations: (body.name_localizations as APIApplicationCommand['name_localizations']) ?? null,
    description: (body.description as string | undefined) ?? '',
    description_localizations: (body.description_localizations as APIApplicationCommand['description_localizations']) ?? null,
    options: (body.options as APIApplicationCommandOption[] | undefined) ?? [],
    default_member_permissions: (body.default_member_permissions as string | null | undefined) ?? null,
    nsfw: (body.nsfw as boolean | undefined) ?? false,
    integration_types: (body.integration_types as ApplicationIntegrationType[] | undefined) ?? [ApplicationIntegrationType.GuildInstall],
    contexts: (body.contexts as InteractionContextType[] | null | undefined) ?? null,
  };
  if (guildId !== null) command.guild_id = guildId;
  else command.dm_permission = (body.dm_permission as boolean | undefined) ?? true;
  return command;
}

/** Commands of one scope (global when `guildId` is null), in registration order. */
export function listCommands(context: EmulatorContext, guildId: string | null): APIApplicationCommand[] {
  return [...context.state.commands.values()].filter((command) => (command.guild_id ?? null) === guildId);
}

function findByName(context: EmulatorContext, guildId: string | null, name: unknown, type: unknown): APIApplicationCommand | undefined {
  const wantedType = type ?? ApplicationCommandType.ChatInput;
  return listCommands(context, guildId).find((command) => command.name === name && command.type === wantedType);
}

/**
 * PUT bulk overwrite: validates everything first (50035 naming the index), then replaces the scope.
 * Commands keeping their name and type keep their id, as on Discord.
 */
export function overwriteCommands(context: EmulatorContext, guildId: string | null, bodies: unknown): APIApplicationCommand[] {
  if (!Array.isArray(bodies)) throw invalidFormBody([{ path: [], code: 'BASE_TYPE_LIST', message: 'Must be a list.' }]);
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  bodies.forEach((body: Record<string, unknown>, index) => {
    errors.push(...commandErrors(body, [index]));
    const key = `${String(body.type ?? 1)}:${String(body.name)}`;
    if (seen.has(key)) errors.push({ path: [index, 'name'], code: 'APPLICATION_COMMANDS_DUPLICATE_NAME', message: `Application command names must be unique` });
    seen.add(key);
  });
  if (bodies.filter((body: Record<string, unknown>) => (body.type ?? 1) === 1).length > 100) errors.push(maxLength([], 100));
  if (errors.length > 0) throw invalidFormBody(errors);
  const previous = listCommands(context, guildId);
  const next = bodies.map((body: Record<string, unknown>) => toCommand(context, body, guildId, previous.find((command) => command.name === body.name && command.type === (body.type ?? 1))));
  for (const command of previous) context.state.commands.delete(command.id);
  for (const command of next) context.state.commands.set(command.id, command);
  context.events.record({ type: 'commandsChanged', guildId });
  return next;
}

/** POST: creates a command, or overwrites the one with the same name and type (Discord's upsert). */
export function upsertCommand(context: EmulatorContext, guildId: string | null, body: Record<string, unknown>): { command: APIApplicationCommand; created: boolean } {
  const errors = commandErrors(body, []);
  if (errors.length > 0) throw invalidFormBody(errors);
  const existing = findByName(context, guildId, body.name, body.type);
  const command = toCommand(context, body, guildId, existing);
  context.state.commands.set(command.id, command);
  context.events.record({ type: 'commandsChanged', guildId });
  return { command, created: existing === undefined };
}

/** The command `commandId` of a scope, or 10063. */
export function requireCommand(context: EmulatorContext, guildId: string | null, commandId: string): APIApplicationCommand {
  const command = context.state.commands.get(commandId);
  if (!command || (command.guild_id ?? null) !== guildId) throw DiscordErrors.unknownApplicationCommand();
  return command;
}

/** PATCH: merges the body into the command and validates the result. */
export function patchCommand(context: EmulatorContext, guildId: string | null, commandId: string, body: Record<string, unknown>): APIApplicationCommand {
  const current = requireCommand(context, guildId, commandId);
  const merged = { ...current, ...body, type: current.type } as Record<string, unknown>;
  const errors = commandErrors(merged, []);
  if (errors.length > 0) throw invalidFormBody(errors);
  const command = toCommand(context, merged, guildId, current);
  context.state.commands.set(command.id, command);
  context.events.record({ type: 'commandsChanged', guildId });
  return command;
}

/** DELETE: removes the command. */
export function deleteCommand(context: EmulatorContext, guildId: string | null, commandId: string): void {
  requireCommand(context, guildId, commandId);
  context.state.commands.delete(commandId);
  context.events.record({ type: 'commandsChanged', guildId });
}
