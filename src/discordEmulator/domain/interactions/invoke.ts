import {
  ApplicationCommandType,
  ComponentType,
  GatewayDispatchEvents,
  InteractionType,
  type APIApplicationCommand,
  type APIMessageTopLevelComponent,
} from 'discord-api-types/v10';
import type { EmulatorContext } from '../../context.js';
import type { InteractionRecord } from '../../records.js';
import { renderMessage } from '../../render/messages.js';
import { buildCommandOptions, type CommandInvocation } from './options.js';
import { buildInteraction, resolvedMember, type InteractionSpec } from './payloads.js';

/** Where and by whom an interaction is started. */
export interface InteractionActor {
  channelId: string;
  userId: string;
}

function dispatchInteraction(context: EmulatorContext, spec: InteractionSpec): InteractionRecord {
  const interaction = buildInteraction(context, spec);
  context.state.addInteraction(interaction);
  context.gateway.dispatch({ t: GatewayDispatchEvents.InteractionCreate, d: interaction.payload }, interaction.guildId);
  context.events.record({ type: 'interactionCreated', interactionId: interaction.id });
  return interaction;
}

/** The registered command a user in `channelId` would see under `name` (guild commands shadow global ones). */
export function findRegisteredCommand(context: EmulatorContext, channelId: string, name: string, types: readonly ApplicationCommandType[]): APIApplicationCommand {
  const channel = context.state.requireChannel(channelId);
  const all = [...context.state.commands.values()].filter((command) => command.name === name && types.includes(command.type));
  const found = all.find((command) => command.guild_id !== undefined && command.guild_id === channel.guildId) ?? all.find((command) => command.guild_id === undefined);
  if (!found) {
    const registered = [...context.state.commands.values()].map((command) => `${command.name}${command.guild_id ? ` (guild ${command.guild_id})` : ' (global)'}`);
    throw new Error(`No command "${name}" is registered for channel ${channelId}; registered: ${registered.join(', ') || 'none'}`);
  }
  return found;
}

/** A user runs a slash command: INTERACTION_CREATE type 2 with typed options and `resolved`. */
export function invokeCommand(context: EmulatorContext, actor: InteractionActor, invocation: CommandInvocation, type = InteractionType.ApplicationCommand): InteractionRecord {
  const command = findRegisteredCommand(context, actor.channelId, invocation.name, [ApplicationCommandType.ChatInput]);
  const channel = context.state.requireChannel(actor.channelId);
  const { options, resolved } = buildCommandOptions(context, command, channel, actor.userId, invocation);
  const data: Record<string, unknown> = { id: command.id, name: command.name, type: ApplicationCommandType.ChatInput, options };
  if (resolved) data.resolved = resolved;
  if (command.guild_id) data.guild_id = command.guild_id;
  return dispatchInteraction(context, { type, channelId: actor.channelId, userId: actor.userId, data, name: command.name });
}

/** A user types into an autocomplete option: INTERACTION_CREATE type 4 with `focused: true` on that option. */
export function requestAutocomplete(context: EmulatorContext, actor: InteractionActor, invocation: CommandInvocation & { focused: string }): InteractionRecord {
  return invokeCommand(context, actor, invocation, InteractionType.ApplicationCommandAutocomplete);
}

/** A user runs a user or message context-menu command on `targetId`. */
export function invokeContextMenuCommand(context: EmulatorContext, actor: InteractionActor, name: string, targetId: string): InteractionRecord {
  const { state } = context;
  const command = findRegisteredCommand(context, actor.channelId, name, [ApplicationCommandType.User, ApplicationCommandType.Message]);
  const channel = state.requireChannel(actor.channelId);
  const data: Record<string, unknown> = { id: command.id, name: command.name, type: command.type, target_id: targetId };
  if (command.type === ApplicationCommandType.User) {
    const member = resolvedMember(context, channel, targetId);
    data.resolved = { users: { [targetId]: state.requireUser(targetId) }, ...(member ? { members: { [targetId]: member } } : {}) };
  } else {
    data.resolved = { messages: { [targetId]: renderMessage(state, state.requireMessage(targetId)) } };
  }
  if (command.guild_id) data.guild_id = command.guild_id;
  return dispatchInteraction(context, { type: InteractionType.ApplicationCommand, channelId: actor.channelId, userId: actor.userId, data, name: command.name });
}

interface FoundComponent {
  type: ComponentType;
  disabled: boolean;
}

function findComponent(components: readonly unknown[], customId: string): FoundComponent | undefined {
  for (const component of components as Array<Record<string, unknown>>) {
    if (component.custom_id === customId) return { type: component.type as ComponentType, disabled: component.disabled === true };
    const children = [component.components, component.accessory ? [component.accessory] : undefined, component.component ? [component.component] : undefined];
    for (const child of children) {
      const found = Array.isArray(child) ? findComponent(child, customId) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * A user clicks a button or picks select values on a message: INTERACTION_CREATE type 3 carrying the
 * full `message`. Throws when the message has no enabled component with that custom_id, or the
 * message is ephemeral for someone else — things a real user could not do.
 */
export function clickComponent(context: EmulatorContext, actor: { messageId: string; customId: string; userId: string; values?: string[] }): InteractionRecord {
  const message = context.state.requireMessage(actor.messageId);
  if (message.ephemeralForUserId !== null && message.ephemeralForUserId !== actor.userId) throw new Error(`Message ${message.id} is ephemeral for another user`);
  const component = findComponent(message.components as APIMessageTopLevelComponent[], actor.customId);
  if (!component) throw new Error(`Message ${message.id} has no component with custom_id "${actor.customId}"`);
  if (component.disabled) throw new Error(`Component "${actor.customId}" on message ${message.id} is disabled`);
  const data: Record<string, unknown> = { custom_id: actor.customId, component_type: component.type };
  if (component.type !== ComponentType.Button) data.values = actor.values ?? [];
  return dispatchInteraction(context, {
    type: InteractionType.MessageComponent,
    channelId: message.channelId,
    userId: actor.userId,
    data,
    name: actor.customId,
    sourceMessageId: message.id,
  });
}

/**
 * A button click on `messageId` carrying a custom id the message does not show: what a modified
 * client or a self-bot could send with an id copied from elsewhere or guessed. Discord's own
 * client only sends the custom ids on the message; a bot must refuse a forged one whether or not
 * Discord lets it through, and this is how tests check that it does.
 */
export function forgeButtonClick(context: EmulatorContext, actor: { messageId: string; customId: string; userId: string }): InteractionRecord {
  const message = context.state.requireMessage(actor.messageId);
  if (message.ephemeralForUserId !== null && message.ephemeralForUserId !== actor.userId) throw new Error(`Message ${message.id} is ephemeral for another user`);
  return dispatchInteraction(context, {
    type: InteractionType.MessageComponent,
    channelId: message.channelId,
    userId: actor.userId,
    data: { custom_id: actor.customId, component_type: ComponentType.Button },
    name: actor.customId,
    sourceMessageId: message.id,
  });
}

function submittedComponents(modalComponents: readonly unknown[], fields: Record<string, string | string[]>, seen: Set<string>): unknown[] {
  return (modalComponents as Array<Record<string, unknown>>).map((component) => {
    if (component.type === ComponentType.ActionRow) return { type: ComponentType.ActionRow, id: component.id, components: submittedComponents(component.components as unknown[], fields, seen) };
    if (component.type === ComponentType.Label) return { type: ComponentType.Label, id: component.id, component: submittedComponents([component.component], fields, seen)[0] };
    const customId = component.custom_id as string | undefined;
    if (customId === undefined) return { type: component.type, id: component.id };
    const value = fields[customId];
    if (value === undefined && component.type === ComponentType.TextInput && component.required !== false) throw new Error(`Modal field "${customId}" is required`);
    seen.add(customId);
    if (component.type === ComponentType.TextInput) return { type: component.type, id: component.id, custom_id: customId, value: typeof value === 'string' ? value : '' };
    return { type: component.type, id: component.id, custom_id: customId, values: Array.isArray(value) ? value : value === undefined ? [] : [value] };
  });
}

/**
 * A user submits the modal the bot showed in answer to `interactionId`: INTERACTION_CREATE type 5
 * whose components mirror the modal's layout (action rows or labels), as Discord's client sends them.
 */
export function submitModal(context: EmulatorContext, request: { interactionId: string; customId?: string; fields: Record<string, string | string[]>; userId?: string }): InteractionRecord {
  const source = context.state.interactions.get(request.interactionId);
  if (!source?.modal) throw new Error(`Interaction ${request.interactionId} did not show a modal`);
  const customId = request.customId ?? source.modal.custom_id;
  if (customId !== source.modal.custom_id) throw new Error(`The modal shown has custom_id "${source.modal.custom_id}", not "${customId}"`);
  const seen = new Set<string>();
  const components = submittedComponents(source.modal.components, request.fields, seen);
  const unknown = Object.keys(request.fields).filter((key) => !seen.has(key));
  if (unknown.length > 0) throw new Error(`The modal has no field(s) ${unknown.join(', ')}`);
  return dispatchInteraction(context, {
    type: InteractionType.ModalSubmit,
    channelId: source.channelId,
    userId: request.userId ?? source.userId,
    data: { custom_id: customId, components },
    name: customId,
    sourceMessageId: source.sourceMessageId,
  });
}

/** The message type of responses to an interaction: 20 for slash commands, 23 for context menus. */
export function responseMessageType(interaction: InteractionRecord): number {
  if (interaction.type !== InteractionType.ApplicationCommand) return 0;
  const data = (interaction.payload as { data?: { type?: number } }).data;
  return data?.type === ApplicationCommandType.ChatInput ? 20 : 23;
}
