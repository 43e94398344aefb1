import { describe, expect, it } from 'vitest';
import { FINISHED_RUN_OUTAGE_LINES } from '../src/monitoring/finished-run-feed';
import { ALERT_SAMPLE_OUTAGE_LINES } from '../src/monitoring/shared-alert-windows';
import type { StreamOutageLines } from '../src/queue/stream-publisher';

/** Each line as it is logged: failed ("ECONNREFUSED"), dropping, recovered (3, 0) and (3, 7), stopped (1, 0), (0, 2) and (4, 2), none waiting. */
function logged(lines: StreamOutageLines): string[] {
  return [lines.failed('ECONNREFUSED'), lines.dropping(), lines.recovered(3, 0), lines.recovered(3, 7), lines.stopped(1, 0, 0), lines.stopped(0, 2, 0), lines.stopped(4, 2, 0)];
}

// What an operator reads (and greps for, as docs/scaling.md and docs/monitoring.md quote it) while Redis
// does not take what a worker or a server publishes: the lines stay word for word as they are documented.
describe('the log lines of a Redis outage', () => {
  it("say what becomes of a worker's finished runs", () => {
    const lost = "those runs are in the store but counted by no server's monitoring";
    expect(logged(FINISHED_RUN_OUTAGE_LINES)).toEqual([
      'could not hand finished runs to monitoring (ECONNREFUSED): they are kept, at most 100,000, and handed over when Redis is back',
      'a worker keeps at most 100,000 finished runs for monitoring while Redis is away: the oldest are dropped from now on',
      'handed the 3 run(s) finished while Redis was away to monitoring',
      'handed the 3 run(s) finished while Redis was away to monitoring; the oldest 7 were dropped (more than 100,000 waited)',
      `stopped before handing every finished run to monitoring: 1 run(s) finished while Redis was away were not handed over; ${lost}`,
      `stopped before handing every finished run to monitoring: 2 older one(s) were dropped; ${lost}`,
      `stopped before handing every finished run to monitoring: 4 run(s) finished while Redis was away were not handed over; 2 older one(s) were dropped; ${lost}`,
    ]);
    // A stop cut short while runs still waited for the store (they were never given to the publisher).
    expect([FINISHED_RUN_OUTAGE_LINES.stopped(0, 0, 3), FINISHED_RUN_OUTAGE_LINES.stopped(4, 2, 3)]).toEqual([
      `stopped before handing every finished run to monitoring: 3 run(s) finished but still waiting for the store were not handed over; ${lost}`,
      `stopped before handing every finished run to monitoring: 4 run(s) finished while Redis was away were not handed over; 3 run(s) finished but still waiting for the store were not handed over; 2 older one(s) were dropped; ${lost}`,
    ]);
  });

  it("say what becomes of a server's alert samples", () => {
    const stopped = 'alert rules stopped before sharing every finished run with the other servers';
    expect(logged(ALERT_SAMPLE_OUTAGE_LINES)).toEqual([
      'alert rules could not share finished runs with the other servers (ECONNREFUSED): they are kept, at most 10,000, and published when Redis is back',
      'alert rules keep at most 10,000 samples while Redis is away: the oldest are dropped from now on',
      'alert rules shared the 3 sample(s) kept while Redis was away with the other servers',
      'alert rules shared the 3 sample(s) kept while Redis was away with the other servers; the oldest 7 were dropped (more than 10,000 waited)',
      `${stopped}: 1 sample(s) kept while Redis was away were not published; those runs count in no alert window`,
      `${stopped}: 2 older one(s) were dropped; those runs count in no alert window`,
      `${stopped}: 4 sample(s) kept while Redis was away were not published; 2 older one(s) were dropped; those runs count in no alert window`,
    ]);
  });
});
