import { AllowedMentionsTypes, ComponentType, MessageFlags, type APIEmbed } from 'discord-api-types/v10';
import { DiscordErrors, invalidFormBody, type FieldError } from '../errors.js';
import type { MessageInput } from './messageInput.js';

/** Discord's limits on messages. @see https://discord.com/developers/docs/resources/message#create-message */
export const MESSAGE_LIMITS = {
  content: 2000,
  embeds: 10,
  embedTotal: 6000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  authorName: 256,
  nonce: 25,
  actionRows: 5,
  rowWidth: 5,
  customId: 100,
  buttonLabel: 80,
  selectOptions: 25,
  stickers: 3,
} as const;

/** `BASE_TYPE_MAX_LENGTH`, the error discord.js prints as `content[BASE_TYPE_MAX_LENGTH]: Must be 2000 or fewer in length.` */
export function maxLength(path: FieldError['path'], limit: number): FieldError {
  return { path, code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${limit} or fewer in length.` };
}

/** `BASE_TYPE_BAD_LENGTH`, for fields with a minimum and a maximum. */
export function badLength(path: FieldError['path'], minimum: number, maximum: number): FieldError {
  return { path, code: 'BASE_TYPE_BAD_LENGTH', message: `Must be between ${minimum} and ${maximum} in length.` };
}

function embedErrors(embed: APIEmbed, index: number, errors: FieldError[]): number {
  const at = (...path: Array<string | number>) => ['embeds', index, ...path];
  const check = (value: string | undefined, limit: number, ...path: Array<string | number>) => {
    if (value !== undefined && value.trim().length > limit) errors.push(maxLength(at(...path), limit));
    return value?.trim().length ?? 0;
  };
  let size = check(embed.title, MESSAGE_LIMITS.title, 'title');
  size += check(embed.description, MESSAGE_LIMITS.description, 'description');
  size += check(embed.footer?.text, MESSAGE_LIMITS.footerText, 'footer', 'text');
  size += check(embed.author?.name, MESSAGE_LIMITS.authorName, 'author', 'name');
  const fields = embed.fields ?? [];
  if (fields.length > MESSAGE_LIMITS.fields) errors.push(maxLength(at('fields'), MESSAGE_LIMITS.fields));
  fields.forEach((field, fieldIndex) => {
    size += check(field.name, MESSAGE_LIMITS.fieldName, 'fields', fieldIndex, 'name');
    size += check(field.value, MESSAGE_LIMITS.fieldValue, 'fields', fieldIndex, 'value');
    if (!field.name) errors.push({ path: at('fields', fieldIndex, 'name'), code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
    if (!field.value) errors.push({ path: at('fields', fieldIndex, 'value'), code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
  });
  return size;
}

function componentErrors(input: MessageInput, errors: FieldError[]): void {
  const components = input.components ?? [];
  const isV2 = ((input.flags ?? 0) & MessageFlags.IsComponentsV2) !== 0;
  if (isV2) return;
  if (components.length > MESSAGE_LIMITS.actionRows) errors.push(maxLength(['components'], MESSAGE_LIMITS.actionRows));
  const customIds = new Set<string>();
  components.forEach((row, rowIndex) => {
    if (row.type !== ComponentType.ActionRow) {
      errors.push({ path: ['components', rowIndex, 'type'], code: 'UNION_TYPE_CHOICES', message: 'Value of field "type" must be one of (1,).' });
      return;
    }
    const children = row.components;
    const selects = children.filter((child) => child.type !== ComponentType.Button);
    if (children.length > MESSAGE_LIMITS.rowWidth || (selects.length > 0 && children.length > 1)) {
      errors.push({ path: ['components', rowIndex, 'components'], code: 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', message: 'The specified component exceeds the maximum width' });
    }
    children.forEach((child, childIndex) => {
      const at = ['components', rowIndex, 'components', childIndex];
      const customId = 'custom_id' in child ? child.custom_id : undefined;
      if (customId !== undefined) {
        if (customId.length < 1 || customId.length > MESSAGE_LIMITS.customId) errors.push(badLength([...at, 'custom_id'], 1, MESSAGE_LIMITS.customId));
        if (customIds.has(customId)) errors.push({ path: [...at, 'custom_id'], code: 'COMPONENT_CUSTOM_ID_DUPLICATED', message: 'Component custom id cannot be duplicated' });
        customIds.add(customId);
      }
      if (child.type === ComponentType.Button && 'label' in child && (child.label?.length ?? 0) > MESSAGE_LIMITS.buttonLabel) {
        errors.push(maxLength([...at, 'label'], MESSAGE_LIMITS.buttonLabel));
      }
      if (child.type === ComponentType.StringSelect && child.options.length > MESSAGE_LIMITS.selectOptions) {
        errors.push(maxLength([...at, 'options'], MESSAGE_LIMITS.selectOptions));
      }
    });
  });
}

/**
 * Validates a message body the way Discord does and throws 50035 (listing every problem) or 50006.
 * `hasFiles` counts uploads and kept attachments; `isEdit` skips the "empty message" rule.
 */
export function validateMessageInput(input: MessageInput, options: { hasFiles: boolean; isEdit: boolean }): void {
  const errors: FieldError[] = [];
  if (typeof input.content === 'string' && input.content.length > MESSAGE_LIMITS.content) {
    errors.push(maxLength(['content'], MESSAGE_LIMITS.content));
  }
  const embeds = input.embeds ?? [];
  if (embeds.length > MESSAGE_LIMITS.embeds) errors.push(maxLength(['embeds'], MESSAGE_LIMITS.embeds));
  const total = embeds.reduce((sum, embed, index) => sum + embedErrors(embed, index, errors), 0);
  if (total > MESSAGE_LIMITS.embedTotal) {
    errors.push({ path: ['embeds'], code: 'MAX_EMBED_SIZE_EXCEEDED', message: `Embed size exceeds maximum size of ${MESSAGE_LIMITS.embedTotal}` });
  }
  if (input.nonce !== undefined && input.nonce !== null && String(input.nonce).length > MESSAGE_LIMITS.nonce) {
    errors.push(maxLength(['nonce'], MESSAGE_LIMITS.nonce));
  }
  if ((input.sticker_ids?.length ?? 0) > MESSAGE_LIMITS.stickers) errors.push(maxLength(['sticker_ids'], MESSAGE_LIMITS.stickers));
  const allowed = input.allowed_mentions;
  if (allowed?.parse?.includes(AllowedMentionsTypes.User) && allowed.users?.length) {
    errors.push({ path: ['allowed_mentions'], code: 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE', message: 'parse:["users"] and users: [ids...] are mutually exclusive.' });
  }
  if (allowed?.parse?.includes(AllowedMentionsTypes.Role) && allowed.roles?.length) {
    errors.push({ path: ['allowed_mentions'], code: 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE', message: 'parse:["roles"] and roles: [ids...] are mutually exclusive.' });
  }
  const isV2 = ((input.flags ?? 0) & MessageFlags.IsComponentsV2) !== 0;
  if (isV2 && (input.content || embeds.length > 0)) {
    errors.push({ path: ['content'], code: 'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2', message: 'The \'content\' field cannot be used when using MessageFlags.IS_COMPONENTS_V2' });
  }
  componentErrors(input, errors);
  if (errors.length > 0) throw invalidFormBody(errors);
  if (!options.isEdit) {
    const empty =
      !input.content && embeds.length === 0 && (input.components?.length ?? 0) === 0 && !options.hasFiles && (input.sticker_ids?.length ?? 0) === 0 && !input.poll;
    if (empty) throw DiscordErrors.emptyMessage();
  }
}
