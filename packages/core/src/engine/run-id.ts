import { v7 } from 'uuid';

/**
 * A new run id: a UUIDv7 (RFC 9562), its first 48 bits the millisecond time, then a counter that
 * keeps ids made in one process in order within a millisecond. Time-ordered ids put each run's
 * rows at the end of the runs, node-trace and score indexes (SQLite and PostgreSQL alike) instead
 * of at random pages; every run gets one, whether the runner, an eval case or `patchbay run` made it.
 */
export function newRunId(): string {
  return v7();
}
