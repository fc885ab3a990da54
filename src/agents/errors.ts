/** Who is at fault: the person asking, our own code, or a service we depend on. */
export type ErrorKind = 'user' | 'system' | 'upstream';

/**
 * An error with a stable code and, when a person should see it, a message written for them.
 * Boundaries (command router, message handler, worker) log it once and show `userMessage`.
 */
export class AppError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly userMessage: string | undefined;

  constructor(code: string, message: string, options: { kind: ErrorKind; userMessage?: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.kind = options.kind;
    this.userMessage = options.userMessage;
  }
}

/** A refusal the person can fix: the message says how. */
export function userError(code: string, userMessage: string): AppError {
  return new AppError(code, userMessage, { kind: 'user', userMessage });
}

export type ModelFailure = 'rate_limited' | 'timeout' | 'unavailable' | 'rejected' | 'invalid_response';

const modelFailureText: Record<ModelFailure, string> = {
  rate_limited: 'the model provider is rate-limiting us',
  timeout: 'the model did not answer in time',
  unavailable: 'the model provider is unavailable',
  rejected: 'the model provider rejected the request',
  invalid_response: 'the model sent a reply I could not read',
};

/** The model could not be used, after every retry. */
export class ModelError extends AppError {
  readonly failure: ModelFailure;
  readonly attempts: number;

  constructor(failure: ModelFailure, detail: string, options: { attempts: number; cause?: unknown }) {
    super(`model_${failure}`, `LLM call failed (${failure}) after ${options.attempts} attempt(s): ${detail}`, {
      kind: 'upstream',
      userMessage: `Sorry — ${modelFailureText[failure]}${options.attempts > 1 ? ` (tried ${options.attempts} times)` : ''}.`,
      cause: options.cause,
    });
    this.name = 'ModelError';
    this.failure = failure;
    this.attempts = options.attempts;
  }
}

/** A write of a turn was refused: another process took the turn over. Its writer must stop. */
export class LeaseLostError extends Error {
  constructor(readonly lease: { agentId: number; turnId: number }) {
    super(`the lease of agent ${lease.agentId} (turn ${lease.turnId}) was taken over by another process`);
    this.name = 'LeaseLostError';
  }
}

/** A helper was cancelled or timed out while its turn ran: the turn stops and ends. */
export class HelperEndedError extends Error {
  constructor(readonly agentId: number) {
    super(`helper ${agentId} was cancelled or timed out`);
    this.name = 'HelperEndedError';
  }
}

/** Discord refused an action for good (no retry can fix it); `reason` is written for people. */
export class ChatRefusal extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'ChatRefusal';
  }
}
