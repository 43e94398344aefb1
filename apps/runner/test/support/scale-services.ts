import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type PostgresServer } from '../../../../test/support/postgres';
import { startRedis, type TestRedis } from '../../../../test/support/redis-server';

/** What a scaled-out test runs against: a redis-server and a PostgreSQL server of its own, and a database on it. */
export interface ScaleServices {
  redis: TestRedis;
  postgres: PostgresServer;
  /** A new empty database on `postgres` (its URL), for `--store`. */
  store: string;
}

/**
 * Starts a redis-server and a PostgreSQL server before the tests of the describe block it is called in, and stops
 * them after (Redis first). Call it before the block's own hooks: vitest runs afterAll hooks in reverse order, so
 * the block's own teardown (runners closed, processes killed) runs while Redis and PostgreSQL are still up.
 * The fields are set once its beforeAll has run: read them in hooks and tests, not when the block is declared.
 */
export function scaleServices(): ScaleServices {
  const services = {} as ScaleServices;
  beforeAll(async () => {
    [services.redis, services.postgres] = await Promise.all([startRedis(), startPostgres()]);
    services.store = await services.postgres.createDatabase();
  }, 120_000);
  afterAll(async () => {
    await services.redis?.stop();
    await services.postgres?.stop();
  });
  return services;
}
