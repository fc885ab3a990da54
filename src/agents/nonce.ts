/**
 * The nonce of a turn's post: derived from the turn and the chunk, so a retried post carries the
 * same one and Discord (with enforce_nonce) returns the first message instead of a second.
 * Base-36 integers keep it well under Discord's 25 characters.
 */
export function chunkNonce(turnId: number, chunkIndex: number): string {
  return `t${turnId.toString(36)}.${chunkIndex.toString(36)}`;
}

/** The nonce of a turn's error notice. */
export function errorNonce(turnId: number): string {
  return `t${turnId.toString(36)}.e`;
}

/** The nonce of a turn's notice that the guild's daily token cap is reached. */
export function capNoticeNonce(turnId: number): string {
  return `t${turnId.toString(36)}.c`;
}

/** A notice a schedule's firing posts instead of running (its creator lost the permission). */
export function scheduleNoticeNonce(turnId: number): string {
  return `t${turnId.toString(36)}.s`;
}
