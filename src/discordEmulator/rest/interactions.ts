import { handleInteractionCallback } from '../domain/interactions/callback.js';
import { bodyObject, json, noContent, param, queryFlag, type RestRoute } from './types.js';

/**
 * POST /interactions/{id}/{token}/callback — unauthenticated and exempt from rate limits, as on
 * Discord. `with_response=true` gets the 200 callback body, anything else an empty 204.
 */
export const interactionRoutes: RestRoute[] = [
  {
    method: 'POST',
    pattern: '/interactions/:interactionId/:token/callback',
    auth: 'none',
    rateLimited: false,
    handle: (request, context) => {
      const result = handleInteractionCallback(context, param(request, 'interactionId'), param(request, 'token'), bodyObject(request), request.files);
      return queryFlag(request, 'with_response') ? json(result) : noContent();
    },
  },
];
