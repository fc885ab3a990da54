import { sql } from 'drizzle-orm';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { afterAll, describe, expect, it } from 'vitest';
import { type TestDatabase, createTestDatabase, testDrivers } from '../support/db/testDatabase.js';
import { recordingLogger } from '../support/log/recordingLogger.js';

/** What a person wrote, which no log line may hold. */
const SECRET = 'my-diary-entry-4f1c: the safe code is 8812';

const databases: TestDatabase[] = [];
afterAll(() => Promise.all(databases.map((database) => database.destroy())));

describe('the logger', () => {
  it.each(testDrivers())('logs a failed statement (%s) with its SQL, code and message, but not its parameters or the row', async (driver) => {
    const database = await createTestDatabase(driver);
    databases.push(database);
    // A NOT NULL violation: PostgreSQL's detail quotes the failing row, the secret in it.
    const failure = await database.db.execute(sql`insert into personas (name, instructions) values (${SECRET}, null)`).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(DrizzleQueryError);
    expect(JSON.stringify({ message: (failure as Error).message, params: (failure as DrizzleQueryError).params })).toContain(SECRET);

    const { logger, text, records } = recordingLogger();
    logger.error({ err: failure, channelId: '42' }, 'statement failed');
    logger.error(failure, 'statement failed');
    expect(text()).not.toContain(SECRET);
    expect(text()).not.toContain('8812');
    for (const record of records()) {
      const err = record.err as Record<string, unknown> & { cause: Record<string, unknown> };
      expect(err.query).toBe('insert into personas (name, instructions) values ($1, null)');
      expect(err.message).toContain('Failed query: insert into personas (name, instructions) values ($1, null)\nparams: [not logged]');
      expect(err.message).toContain('null value in column "instructions"');
      expect(err.stack).toContain('at ');
      expect(err.cause).toMatchObject({ code: '23502', message: expect.stringContaining('null value in column "instructions"') });
      expect(err).not.toHaveProperty('params');
      expect(err.cause).not.toHaveProperty('detail');
    }
    expect(records()[0]).toMatchObject({ level: 50, channelId: '42', msg: 'statement failed' });
  });

  it('drops parameters, params and args from an error and from every cause, however deep', () => {
    const { logger, text, records } = recordingLogger();
    // As postgres.js carries them with its debug option on, and as a wrapper might copy them.
    const driverError = Object.assign(new Error('value too long for type character varying(10)'), {
      code: '22001',
      query: 'update memories set content = $1',
      parameters: [SECRET],
      args: [SECRET],
      detail: `Failing row contains (${SECRET})`,
    });
    const wrapped = new DrizzleQueryError('update memories set content = $1', [SECRET], driverError);
    const outer = Object.assign(new Error('storing the fact failed', { cause: wrapped }), { params: { fact: SECRET }, attempt: 2 });
    logger.warn({ err: new AggregateError([outer], 'every attempt failed') }, 'gave up');
    logger.error({ err: outer }, 'gave up');
    expect(text()).not.toContain(SECRET);
    const [aggregate, single] = records() as Array<{ err: Record<string, unknown> }>;
    expect(aggregate!.err.aggregateErrors).toEqual([expect.objectContaining({ message: expect.stringContaining('storing the fact failed') })]);
    expect(single!.err).toMatchObject({
      message: expect.stringContaining('storing the fact failed: Failed query: update memories set content = $1\nparams: [not logged]: value too long'),
      attempt: 2,
      cause: { query: 'update memories set content = $1', cause: { code: '22001', query: 'update memories set content = $1', message: 'value too long for type character varying(10)' } },
    });
  });

  it('still serializes what is not an error as it is, and a cycle of causes without looping', () => {
    const { logger, records } = recordingLogger();
    const first = new Error('first');
    const second = new Error('second', { cause: first });
    Object.assign(first, { cause: second });
    logger.error({ err: 'just a string' }, 'odd');
    logger.error({ err: first }, 'cycle');
    const [plain, cycle] = records() as Array<{ err: unknown }>;
    expect(plain!.err).toBe('just a string');
    expect(cycle!.err).toMatchObject({ message: expect.stringContaining('first'), cause: { message: expect.stringContaining('second') } });
  });
});
