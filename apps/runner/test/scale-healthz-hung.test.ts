// A Redis or PostgreSQL that hangs (SIGSTOP: its port still takes connections, nothing answers; as a network that
// drops packets looks) must not hang /healthz: an orchestrator's probe (Kubernetes: 1 s by default) would see a
// timeout, not a 503 with the reason, and its probes would pile up. /healthz answers within 500 ms per service.
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { scaleServices } from './support/scale-services';
import { startTestRunner, type TestRunner } from './support/test-runner';

/** Well above the probe's 500 ms (the machine may be busy), well below the 5 s a Redis command or a pg connection waits. */
const ANSWERS_WITHIN_MS = 2_500;

/** GET /healthz, timed (given up after 10 s, so a hung answer fails the test rather than holding its finally). */
async function healthz(runner: TestRunner): Promise<{ status: number; body: unknown; ms: number }> {
  const started = Date.now();
  const res = await runner.api('/healthz', { signal: AbortSignal.timeout(10_000) });
  const body = await res.json();
  return { status: res.status, body, ms: Date.now() - started };
}

/** Asks /healthz until it says 503 (a kept "ok" stands up to 2 s), each answer within the bound; returns the 503. */
async function untilUnavailable(runner: TestRunner) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const answer = await healthz(runner);
    expect(answer.ms).toBeLessThan(ANSWERS_WITHIN_MS);
    if (answer.status === 503) return answer;
    expect(Date.now()).toBeLessThan(deadline);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Eight probes at once while the service hangs: each a 503 within the bound. */
async function burstUnavailable(runner: TestRunner) {
  for (const answer of await Promise.all(Array.from({ length: 8 }, () => healthz(runner)))) {
    expect(answer.status).toBe(503);
    expect(answer.ms).toBeLessThan(ANSWERS_WITHIN_MS);
  }
}

describe('GET /healthz when Redis or PostgreSQL hangs', () => {
  const services = scaleServices();

  it('answers 503 within the bound while the queue\'s Redis is stopped, asks it one question at a time, and ok after SIGCONT', async () => {
    const runner = await startTestRunner({ store: services.store, queue: { url: services.redis.url, work: false } });
    const admin = new Redis(services.redis.url, { lazyConnect: true });
    try {
      await admin.connect();
      expect((await healthz(runner)).body).toEqual({ status: 'ok' });
      await admin.config('RESETSTAT');
      services.redis.pause();
      const down = await untilUnavailable(runner);
      expect(down.body).toEqual({ status: 'unavailable', reason: 'the queue (Redis) did not answer within 500 ms', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
      // Probes that pile up (one a second, several at once) each get the answer in time, and ask Redis nothing more.
      await burstUnavailable(runner);
      // Past the 5 s a Redis command waits (the question then fails, and its failure stands 2 s): still 503 in time.
      for (const until = Date.now() + 7_000; Date.now() < until; await new Promise((r) => setTimeout(r, 500))) {
        const answer = await healthz(runner);
        expect(answer).toMatchObject({ status: 503, body: { since: (down.body as { since: string }).since } });
        expect(answer.ms).toBeLessThan(ANSWERS_WITHIN_MS);
      }
      services.redis.resume();
      await expect.poll(async () => (await healthz(runner)).status, { timeout: 20_000, interval: 250 }).toBe(200);
      expect((await healthz(runner)).body).toEqual({ status: 'ok' });
      // What the probe asked while Redis was stopped, answered once it went on: one PING in flight at a time, so
      // at most one per 5 s command timeout (and 2 s kept answer) of the pause, not one per scrape.
      const pings = Number(/cmdstat_ping:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);
      expect(pings).toBeGreaterThanOrEqual(1);
      expect(pings).toBeLessThanOrEqual(3);
    } finally {
      services.redis.resume();
      admin.disconnect();
      await runner.close();
    }
  }, 60_000);

  it('answers 503 within the bound while PostgreSQL is stopped, and ok after SIGCONT', async () => {
    const runner = await startTestRunner({ store: services.store });
    try {
      expect((await healthz(runner)).body).toEqual({ status: 'ok' });
      services.postgres.pause();
      const down = await untilUnavailable(runner);
      expect(down.body).toEqual({ status: 'unavailable', reason: 'the store (PostgreSQL) did not answer within 500 ms', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
      await burstUnavailable(runner);
      // Still no answer seconds later: the question is awaited up to 5 s and then given up with its connection (the
      // next asked on a new one, which a stopped server does not answer either); down since the first, in time.
      for (const until = Date.now() + 7_000; Date.now() < until; await new Promise((r) => setTimeout(r, 500))) {
        const answer = await healthz(runner);
        expect(answer).toMatchObject({ status: 503, body: { since: (down.body as { since: string }).since } });
        expect((answer.body as { reason: string }).reason).toMatch(/^the store \(PostgreSQL\) (did not answer within 500 ms|cannot be reached: no answer from PostgreSQL within 5 s; the connection was dropped)$/);
        expect(answer.ms).toBeLessThan(ANSWERS_WITHIN_MS);
      }
      services.postgres.resume();
      await expect.poll(async () => (await healthz(runner)).status, { timeout: 20_000, interval: 250 }).toBe(200);
      expect((await healthz(runner)).body).toEqual({ status: 'ok' });
    } finally {
      services.postgres.resume();
      await runner.close();
    }
  }, 60_000);

  it('recovers to 200 on its own when only the connection /healthz asks on is dead but silent (NAT state dropped), on a fresh connection', async () => {
    const runner = await startTestRunner({ store: services.store });
    const admin = new pg.Client({ connectionString: services.store });
    let stopped: number | undefined;
    try {
      await admin.connect();
      expect((await healthz(runner)).body).toEqual({ status: 'ok' });
      // The backend serving the probe's connection: stopped, it takes the question and never answers, as a
      // connection whose NAT state was dropped; every other connection, and a new one, still works.
      const probes = async () => (await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'patchbay /healthz'")).rows.map((r) => r.pid);
      const [pid] = await probes();
      expect(pid).toEqual(expect.any(Number));
      process.kill(pid, 'SIGSTOP');
      stopped = pid;
      const down = await untilUnavailable(runner);
      expect(down.body).toMatchObject({ status: 'unavailable', reason: 'the store (PostgreSQL) did not answer within 500 ms' });
      // Before: 503 until TCP gave up on the connection (~15 min). Now the question is given up after 5 s, its
      // connection dropped, and the next one asked on a new connection.
      await expect.poll(async () => (await healthz(runner)).status, { timeout: 20_000, interval: 250 }).toBe(200);
      expect((await healthz(runner)).body).toEqual({ status: 'ok' });
      // Asked on one new connection, not on one per scrape.
      expect((await probes()).filter((p) => p !== pid)).toHaveLength(1);
    } finally {
      if (stopped !== undefined) {
        process.kill(stopped, 'SIGCONT');
        // What the runner abandoned is ended on the server too, not left holding a backend.
        await admin.query('SELECT pg_terminate_backend($1)', [stopped]).catch(() => {});
      }
      await admin.end().catch(() => {});
      await runner.close();
    }
  }, 60_000);
});
