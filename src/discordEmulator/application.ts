import { ApplicationFlags } from 'discord-api-types/v10';
import type { PrivilegedIntentSettings } from './options.js';

/**
 * The application flags Discord reports for the privileged intents that are switched on in the
 * developer portal (what `doctor` checks via GET /applications/@me).
 */
export function applicationFlagsFor(privileged: PrivilegedIntentSettings): number {
  let flags = 0;
  if (privileged.messageContent === 'limited') flags |= ApplicationFlags.GatewayMessageContentLimited;
  else if (privileged.messageContent) flags |= ApplicationFlags.GatewayMessageContent;
  if (privileged.guildMembers) flags |= ApplicationFlags.GatewayGuildMembers;
  if (privileged.guildPresences) flags |= ApplicationFlags.GatewayPresence;
  return flags;
}
