import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';

/** The headers every response must carry, whatever answered it. */
function expectSecurityHeaders(res: Response, what: string) {
  const csp = res.headers.get('content-security-policy') ?? '';
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
  expect(directives.get('script-src'), `${what}: script-src`).toEqual(["'self'"]);
  expect(directives.get('frame-ancestors'), `${what}: frame-ancestors`).toEqual(["'none'"]);
  expect(directives.get('object-src'), `${what}: object-src`).toEqual(["'none'"]);
  expect(res.headers.get('x-frame-options'), what).toBe('DENY');
  expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(res.headers.get('referrer-policy'), what).toBe('no-referrer');
}

describe('security headers', () => {
  const token = 'tok-headers-check-123';
  let runner: TestRunner;
  let dist: string;
  beforeAll(async () => {
    // a stand-in for the built editor: the runner serves whatever dist it is given
    dist = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-dist-'));
    fs.mkdirSync(path.join(dist, 'assets'));
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Patchbay</title><script type="module" src="/assets/app.js"></script>');
    fs.writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)');
    runner = await startTestRunner({ editorDist: dist });
  });
  afterAll(async () => {
    await runner.close();
    fs.rmSync(dist, { recursive: true, force: true });
  });

  it('are on the editor, its files and its client-side routes', async () => {
    for (const p of ['/', '/assets/app.js', '/pipelines/x/evals', '/assets/missing.js']) expectSecurityHeaders(await runner.api(p), p);
  });

  it('are on API answers, errors included', async () => {
    expectSecurityHeaders(await runner.api('/api/pipelines'), 'GET /api/pipelines');
    expectSecurityHeaders(await runner.post('/api/pipelines', echoPipeline('h')), 'POST /api/pipelines');
    expectSecurityHeaders(await runner.post('/api/pipelines', { format: 'nope' }), '400');
    expectSecurityHeaders(await runner.api('/api/nothing-here'), '404');
    expectSecurityHeaders(await runner.api('/api/pipelines', { method: 'PATCH' }), '405');
    expectSecurityHeaders(await runner.api('/healthz'), '/healthz');
  });

  it('are on 401s when a token is required', async () => {
    const guarded = await startTestRunner({ token });
    try {
      const res = await guarded.api('/api/pipelines');
      expect(res.status).toBe(401);
      expectSecurityHeaders(res, '401');
    } finally {
      await guarded.close();
    }
  });

  it('leave /api/docs working: a page with no scripts and nothing loaded from elsewhere', async () => {
    const res = await runner.api('/api/docs');
    expect(res.status).toBe(200);
    expectSecurityHeaders(res, '/api/docs');
    // its one <style> block is allowed by style-src; it loads no script and nothing off this origin
    expect(res.headers.get('content-security-policy')).toMatch(/style-src 'self' 'unsafe-inline'/);
    const html = await res.text();
    expect(html).toContain('<h1>');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });
});
