import { lt, sql } from 'drizzle-orm';
import type { Database } from '../database.js';
import { interactionClaims } from '../schema.js';

/**
 * Every process connected with the bot's token receives every interaction. The one whose
 * insert wins answers it; the others stay silent.
 */
export class InteractionClaimRepository {
  constructor(private readonly db: Database) {}

  /** True when this process won the interaction. */
  async claim(interactionId: string, owner: string): Promise<boolean> {
    const inserted = await this.db
      .insert(interactionClaims)
      .values({ interactionId, claimedBy: owner })
      .onConflictDoNothing()
      .returning({ id: interactionClaims.interactionId });
    return inserted.length > 0;
  }

  /** Claims older than Discord's 15-minute interaction lifetime can never matter again. */
  async prune(): Promise<void> {
    await this.db.delete(interactionClaims).where(lt(interactionClaims.createdAt, sql`now() - interval '1 hour'`));
  }
}
