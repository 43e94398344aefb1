import type pg from 'pg';

/**
 * Waits until a statement of this database starting with `prefix` waits on a lock, or `settled` says its
 * side ended: how a test that interleaves two processes' statements on purpose knows one has stopped.
 */
export async function untilWaiting(watch: pg.Client, prefix: string, settled: () => boolean): Promise<'waiting' | 'settled'> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await watch.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database() AND query ILIKE $1`, [`${prefix}%`]);
    if (rows.length > 0) return 'waiting';
    if (settled()) return 'settled';
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no statement "${prefix}…" waited on a lock within 10 s`);
}
