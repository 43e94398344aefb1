import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema';
import { NamedStatementClient } from './named-statements';

const INT8 = 20;

/**
 * A pg Pool and its Kysely. BIGINT columns (epoch ms, counts) come back as
 * numbers, not strings: every value the runner keeps there is far below 2^53.
 * A client whose server went away emits 'error', idle or checked out; without a
 * listener that would crash the process, so the pool just drops it and the next
 * query fails (503).
 */
export function openPool(url: string, options: { max?: number; readOnly?: boolean } = {}): { pool: pg.Pool; db: Kysely<Database> } {
  const pool = new pg.Pool({
    connectionString: url,
    // A read command's sessions: PostgreSQL refuses any write in them.
    ...(options.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
    max: options.max ?? 10,
    Client: NamedStatementClient,
    connectionTimeoutMillis: 5_000,
    // An idle connection whose peer is gone without a word (a NAT or firewall dropped its state) is found by
    // TCP keepalive (probes after 10 s idle; Node sends them 1 s apart, 10 unanswered end it) and dropped by the
    // pool, rather than taken for the next statement and waited on until TCP gives up (~15 min).
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', () => {});
  // A client that is checked out (between two statements of a transaction, or waiting for its next
  // one) has no pool listener: its connection dying would emit an unhandled 'error' and crash the
  // process. Its next query fails instead (503), and the pool drops it when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  return { pool, db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }) };
}
