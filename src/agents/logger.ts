/** The logging the engine needs; pino's Logger satisfies it. Structured object first, then a short message. */
export interface Logger {
  debug(object: object, message: string): void;
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
  child(bindings: Record<string, unknown>): Logger;
}
