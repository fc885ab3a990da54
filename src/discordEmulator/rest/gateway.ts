import type { RESTGetAPIGatewayBotResult, RESTGetAPIGatewayResult } from 'discord-api-types/v10';
import { json, type RestRoute } from './types.js';

/**
 * GET /gateway/bot is the only REST call of `client.login()`. `session_start_limit.remaining` must
 * cover the shards or discord.js refuses to connect; `url` has no query string.
 * @see https://discord.com/developers/docs/events/gateway#get-gateway-bot
 */
export const gatewayRoutes: RestRoute[] = [
  {
    method: 'GET',
    pattern: '/gateway/bot',
    auth: 'bot',
    handle: (_request, context) => {
      const result: RESTGetAPIGatewayBotResult = {
        url: context.urls.gateway,
        shards: context.options.recommendedShards,
        session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: context.options.maxConcurrency },
      };
      return json(result);
    },
  },
  {
    method: 'GET',
    pattern: '/gateway',
    auth: 'none',
    handle: (_request, context) => json({ url: context.urls.gateway } satisfies RESTGetAPIGatewayResult),
  },
];
