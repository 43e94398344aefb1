import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';

/** A raw request, so the Host header can be what a rebinding page would send. */
function request(runner: TestRunner, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: runner.server.port, method, path, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

let runner: TestRunner;
let open: TestRunner;
beforeAll(async () => {
  runner = await startTestRunner({ allowedHosts: ['patchbay.internal'] });
  open = await startTestRunner({ cors: ['http://localhost:5173'] });
});
afterAll(async () => {
  await runner.close();
  await open.close();
});

describe('on loopback with no token', () => {
  it('refuses a Host that is not a loopback name (DNS rebinding), and serves loopback and --allowed-host names', async () => {
    const own = `127.0.0.1:${runner.server.port}`;
    expect(await request(runner, 'GET', '/api/pipelines', { host: 'attacker.example:8787' })).toBe(403);
    expect(await request(runner, 'POST', '/api/pipelines', { host: 'attacker.example' }, echoPipeline('x'))).toBe(403);
    expect(await request(runner, 'GET', '/api/pipelines', { host: own })).toBe(200);
    expect(await request(runner, 'GET', '/api/pipelines', { host: `localhost:${runner.server.port}` })).toBe(200);
    expect(await request(runner, 'GET', '/api/pipelines', { host: `[::1]:${runner.server.port}` })).toBe(200);
    expect(await request(runner, 'GET', '/api/pipelines', { host: 'patchbay.internal' })).toBe(200);
  });

  it('refuses a foreign Host on /metrics as on the API: a rebinding page would read every pipeline, label and model name there', async () => {
    expect(await request(runner, 'GET', '/metrics', { host: 'attacker.example:8787' })).toBe(403);
    expect(await request(runner, 'GET', '/metrics', { host: `127.0.0.1:${runner.server.port}` })).toBe(200);
    expect(await request(runner, 'GET', '/metrics', { host: 'patchbay.internal' })).toBe(200);
  });

  it('refuses state-changing requests and event streams from a foreign Origin, but not its own or a --cors one', async () => {
    const host = `127.0.0.1:${runner.server.port}`;
    expect(await request(runner, 'POST', '/api/pipelines', { host, origin: 'http://evil.example' }, echoPipeline('a'))).toBe(403);
    expect(await request(runner, 'POST', '/api/pipelines', { host, origin: 'null' }, echoPipeline('a'))).toBe(403);
    expect(await request(runner, 'GET', '/api/runs/x/events', { host, origin: 'http://evil.example', accept: 'text/event-stream' })).toBe(403);
    expect(await request(runner, 'POST', '/api/pipelines', { host, origin: `http://${host}` }, echoPipeline('a'))).toBe(201);
    expect(await request(runner, 'POST', '/api/pipelines', { host }, echoPipeline('b'))).toBe(201);

    const openHost = `127.0.0.1:${open.server.port}`;
    expect(await request(open, 'POST', '/api/pipelines', { host: openHost, origin: 'http://localhost:5173' }, echoPipeline('c'))).toBe(201);
    expect(await request(open, 'POST', '/api/pipelines', { host: openHost, origin: 'http://evil.example' }, echoPipeline('d'))).toBe(403);
  });
});
