// A front door serving with --queue needs the queue's Redis for every run and eval it starts: /healthz says when it
// is gone, as it says when PostgreSQL is, so a load balancer or an orchestrator's probe takes the server out.
import { describe, expect, it } from 'vitest';
import { scaleServices } from './support/scale-services';
import { startTestRunner } from './support/test-runner';

describe('GET /healthz of a server with --queue', () => {
  const services = scaleServices();

  it('answers 503 with the reason while the queue\'s Redis is down, and ok once it is back', async () => {
    const runner = await startTestRunner({ store: services.store, queue: { url: services.redis.url, work: false } });
    try {
      expect(await (await runner.api('/healthz')).json()).toEqual({ status: 'ok' });
      await services.redis.kill();
      let body: unknown;
      await expect
        .poll(async () => {
          const res = await runner.api('/healthz');
          body = await res.json();
          return res.status;
        }, { timeout: 20_000, interval: 250 })
        .toBe(503);
      expect(body).toEqual({
        status: 'unavailable',
        reason: expect.stringMatching(new RegExp(`^the queue \\(Redis\\) cannot be reached: .*127\\.0\\.0\\.1:${services.redis.port}`)),
        since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      await services.redis.start();
      await expect.poll(async () => (await runner.api('/healthz')).status, { timeout: 20_000, interval: 250 }).toBe(200);
      expect(await (await runner.api('/healthz')).json()).toEqual({ status: 'ok' });
    } finally {
      await runner.close();
    }
  }, 60_000);
});
