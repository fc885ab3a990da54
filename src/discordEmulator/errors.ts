/**
 * Discord's JSON error shape: `{ code, message, errors? }`, where `errors` nests by JSON path and ends
 * in `{ _errors: [{ code, message }] }`. discord.js flattens that tree into its error message, so
 * tests see exactly what they would see against Discord.
 * @see https://discord.com/developers/docs/reference#error-messages
 */
export interface DiscordErrorBody {
  code: number;
  message: string;
  errors?: FormErrorTree;
}

/** One node of the `errors` tree: either children keyed by field name/array index, or leaf errors. */
export interface FormErrorTree {
  [key: string]: FormErrorTree | FormErrorLeaf[];
}

/** A single validation failure at a path, e.g. `content` / `BASE_TYPE_MAX_LENGTH`. */
export interface FieldError {
  path: ReadonlyArray<string | number>;
  code: string;
  message: string;
}

interface FormErrorLeaf {
  code: string;
  message: string;
}

/** An error the REST layer turns into an HTTP response with Discord's status, code and body. */
export class DiscordApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: FormErrorTree,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DiscordApiError';
  }

  /** The response body Discord would send. */
  toBody(): DiscordErrorBody {
    return this.errors ? { code: this.code, message: this.message, errors: this.errors } : { code: this.code, message: this.message };
  }
}

/** Builds the nested `errors` tree from flat field errors. */
export function buildErrorTree(fieldErrors: readonly FieldError[]): FormErrorTree {
  const root: FormErrorTree = {};
  for (const fieldError of fieldErrors) {
    let node = root;
    for (const segment of fieldError.path) {
      const key = String(segment);
      const child = node[key];
      if (child === undefined || Array.isArray(child)) {
        const created: FormErrorTree = {};
        node[key] = created;
        node = created;
      } else {
        node = child;
      }
    }
    const leaves = node._errors;
    const leaf = { code: fieldError.code, message: fieldError.message };
    if (Array.isArray(leaves)) leaves.push(leaf);
    else node._errors = [leaf];
  }
  return root;
}

/** 50035 Invalid Form Body with the given field errors. */
export function invalidFormBody(fieldErrors: readonly FieldError[]): DiscordApiError {
  return new DiscordApiError(400, 50035, 'Invalid Form Body', buildErrorTree(fieldErrors));
}

/** Factories for the errors the emulator returns; statuses follow Discord's conventions. */
export const DiscordErrors = {
  notFound: () => new DiscordApiError(404, 0, '404: Not Found'),
  methodNotAllowed: () => new DiscordApiError(405, 0, '405: Method Not Allowed'),
  unauthorized: () => new DiscordApiError(401, 0, '401: Unauthorized'),
  unknownChannel: () => new DiscordApiError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => new DiscordApiError(404, 10004, 'Unknown Guild'),
  unknownMember: () => new DiscordApiError(404, 10007, 'Unknown Member'),
  unknownMessage: () => new DiscordApiError(404, 10008, 'Unknown Message'),
  unknownRole: () => new DiscordApiError(404, 10011, 'Unknown Role'),
  unknownEmoji: () => new DiscordApiError(400, 10014, 'Unknown Emoji'),
  unknownUser: () => new DiscordApiError(404, 10013, 'Unknown User'),
  unknownWebhook: () => new DiscordApiError(404, 10015, 'Unknown Webhook'),
  unknownInteraction: () => new DiscordApiError(404, 10062, 'Unknown interaction'),
  unknownApplicationCommand: () => new DiscordApiError(404, 10063, 'Unknown application command'),
  alreadyAcknowledged: () => new DiscordApiError(400, 40060, 'Interaction has already been acknowledged.'),
  missingAccess: () => new DiscordApiError(403, 50001, 'Missing Access'),
  emptyMessage: () => new DiscordApiError(400, 50006, 'Cannot send an empty message'),
  nonTextChannel: () => new DiscordApiError(400, 50008, 'Cannot send messages in a non-text channel'),
  missingPermissions: () => new DiscordApiError(403, 50013, 'Missing Permissions'),
  cannotEditOthersMessage: () => new DiscordApiError(403, 50005, 'Cannot edit a message authored by another user'),
  invalidWebhookToken: () => new DiscordApiError(401, 50027, 'Invalid Webhook Token'),
  invalidChannelType: () => new DiscordApiError(400, 50024, 'Cannot execute action on this channel type'),
  archivedThread: () => new DiscordApiError(400, 50083, 'Thread is archived'),
  threadAlreadyCreated: () => new DiscordApiError(400, 160004, 'A thread has already been created for this message'),
  threadLocked: () => new DiscordApiError(403, 160005, 'Thread is locked'),
  maximumActiveThreads: () => new DiscordApiError(400, 160006, 'Maximum number of active threads reached'),
} as const;
