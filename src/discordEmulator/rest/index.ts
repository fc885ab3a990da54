import { channelRoutes } from './channels.js';
import { commandRoutes } from './commands.js';
import { gatewayRoutes } from './gateway.js';
import { guildRoutes } from './guilds.js';
import { interactionRoutes } from './interactions.js';
import { messageRoutes } from './messages.js';
import { threadRoutes } from './threads.js';
import type { RestRoute } from './types.js';
import { userRoutes } from './users.js';
import { webhookRoutes } from './webhooks.js';

/** Every REST route the emulator serves under `/api/v10`. */
export const restRoutes: readonly RestRoute[] = [
  ...gatewayRoutes,
  ...userRoutes,
  ...guildRoutes,
  ...channelRoutes,
  ...messageRoutes,
  ...threadRoutes,
  ...commandRoutes,
  ...interactionRoutes,
  ...webhookRoutes,
];
