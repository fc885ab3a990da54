import type {
  APIAllowedMentions,
  APIEmbed,
  APIMessageTopLevelComponent,
  RESTAPIAttachment,
  RESTAPIMessageReference,
  RESTAPIPoll,
} from 'discord-api-types/v10';

/**
 * The message fields every way of posting shares (channel messages, edits, webhooks, interaction
 * responses and followups). Fields may be null on edits ("remove"), as Discord allows.
 */
export interface MessageInput {
  content?: string | null;
  embeds?: APIEmbed[] | null;
  components?: APIMessageTopLevelComponent[] | null;
  flags?: number | null;
  nonce?: string | number | null;
  enforce_nonce?: boolean;
  tts?: boolean;
  allowed_mentions?: APIAllowedMentions | null;
  message_reference?: RESTAPIMessageReference | null;
  attachments?: RESTAPIAttachment[] | null;
  sticker_ids?: string[];
  poll?: RESTAPIPoll | null;
}

/** Reads a request body as {@link MessageInput}; unknown keys are ignored, as Discord does. */
export function toMessageInput(body: Record<string, unknown>): MessageInput {
  return body as MessageInput;
}
