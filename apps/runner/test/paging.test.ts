import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoPipeline, startTestRunner, waitForRun, type TestRunner } from './support/test-runner';

let runner: TestRunner;

beforeAll(async () => {
  runner = await startTestRunner();
  for (const name of ['p-a', 'p-b', 'p-c', 'p-d', 'p-e']) await runner.post('/api/pipelines', echoPipeline(name));
  for (let base = 1; base <= 6; base++) {
    const doc = { ...echoPipeline('p-a'), description: `edit ${base}` };
    expect((await runner.post('/api/pipelines/p-a/versions', { document: doc, baseVersion: base, message: `v${base + 1}` })).status).toBe(201);
  }
  // Runs started within the same millisecond still page in order: the cursor carries a tie-breaker.
  const ids = await Promise.all(Array.from({ length: 7 }, async (_, i) => (await (await runner.post('/api/runs', { pipeline: 'p-b', inputs: { question: `q${i}` } })).json()).id));
  for (const id of ids) await waitForRun(runner, id);
  for (const name of ['d-a', 'd-b', 'd-c']) {
    expect((await runner.post('/api/datasets', { name, cases: [{ id: 'c1', input: { question: name }, expected: name }] })).status).toBe(201);
  }
  const spec = { suite: 'api', scorers: [{ name: 'm', type: 'contains' }], repeat: 1, seed: 's', behaviorHash: 'h' };
  const at = Date.now();
  for (let i = 0; i < 5; i++) {
    await runner.server.store.evals.create({ id: `e${i}`, pipeline: 'p-c', version: 1, dataset: { name: 'd-a', hash: 'x', cases: 1 }, total: 1, baseline: null, spec, createdAt: at + (i % 2), owner: null });
  }
});
afterAll(() => runner.close());

/** Follows `X-Next-Cursor` (and checks `Link` names the same page) until the last page. */
async function allPages(path: string, limit: number): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let url = `${path}${path.includes('?') ? '&' : '?'}limit=${limit}`;
  for (let pages = 1; ; pages++) {
    const res = await runner.api(url);
    expect(res.status).toBe(200);
    const page = await res.json();
    expect(page.length).toBeLessThanOrEqual(limit);
    items.push(...page);
    const next = res.headers.get('x-next-cursor');
    if (!next) {
      expect(res.headers.get('link')).toBeNull();
      return { items, pages };
    }
    expect(page).toHaveLength(limit);
    url = `${path}${path.includes('?') ? '&' : '?'}limit=${limit}&cursor=${encodeURIComponent(next)}`;
    expect(res.headers.get('link')).toBe(`<${url}>; rel="next"`);
  }
}

describe('list paging (limit + cursor)', () => {
  const lists: Array<[string, string, (x: any) => string, number]> = [
    ['pipelines', '/api/pipelines', (p) => p.name, 5],
    ['versions', '/api/pipelines/p-a/versions', (v) => String(v.number), 7],
    ['runs', '/api/runs?pipeline=p-b', (r) => r.id, 7],
    ['datasets', '/api/datasets', (d) => d.name, 3],
    ['evals', '/api/evals?pipeline=p-c', (e) => e.id, 5],
  ];
  for (const [what, path, key, count] of lists) {
    it(`${what}: pages of 2 add up to the whole list, in its order, each item once`, async () => {
      const whole = await (await runner.api(`${path}${path.includes('?') ? '&' : '?'}limit=1000`)).json();
      expect(whole).toHaveLength(count);
      const { items, pages } = await allPages(path, 2);
      expect(pages).toBe(Math.ceil(count / 2));
      expect(items.map(key)).toEqual(whole.map(key));
    });
  }

  it('a page past an item inserted meanwhile neither repeats nor skips', async () => {
    const first = await runner.api('/api/pipelines?limit=2');
    const names = (await first.json()).map((p: any) => p.name);
    await runner.post('/api/pipelines', echoPipeline('p-0'));
    const rest = await (await runner.api(`/api/pipelines?limit=1000&cursor=${first.headers.get('x-next-cursor')}`)).json();
    expect([...names, ...rest.map((p: any) => p.name)]).toEqual(['p-a', 'p-b', 'p-c', 'p-d', 'p-e']);
  });

  it('a cursor no list gave out, or a limit out of bounds, is a 400 with the query path', async () => {
    for (const [path, at] of [
      ['/api/runs?cursor=bm90LWEta2V5', 'query.cursor'],
      [`/api/pipelines?cursor=${Buffer.from('[1,2]').toString('base64url')}`, 'query.cursor'],
      [`/api/evals?cursor=${Buffer.from('["x"]').toString('base64url')}`, 'query.cursor'],
      ['/api/datasets?limit=1001', 'limit'],
      ['/api/pipelines/p-a/versions?limit=0', 'limit'],
    ]) {
      const res = await runner.api(path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      const body = await res.json();
      expect(JSON.stringify(body.errors), path).toContain(at);
      // says where a good cursor comes from: the header (or Link) of the page before, not a field the answer has not
      if (at === 'query.cursor') expect(body.detail, path).toBe('cursor is not one this list gave out: pass back the X-Next-Cursor header (or the Link rel="next") of the page before, unchanged (query.cursor)');
    }
  });

  it('a number in the URL is decimal digits: 1e1, 0x10, " 5", 5.0 are a 400 naming the parameter on every route that reads one', async () => {
    const routes: [string, string][] = [
      ['/api/pipelines?limit=', 'query.limit'],
      ['/api/pipelines/p-a/versions?limit=', 'query.limit'],
      ['/api/pipelines/p-a/deployments?limit=', 'query.limit'],
      ['/api/pipelines/p-a/alerts?limit=', 'query.limit'],
      ['/api/runs?limit=', 'query.limit'],
      ['/api/datasets?limit=', 'query.limit'],
      ['/api/evals?limit=', 'query.limit'],
      ['/api/runs?version=', 'query.version'],
      ['/api/pipelines/p-a/diff?to=7&from=', 'query.from'],
      ['/api/pipelines/p-a/diff?from=1&to=', 'query.to'],
      ['/api/pipelines/p-a/versions/', 'path.n'],
    ];
    for (const [route, at] of routes) {
      for (const loose of ['1e0', '0x1', '%201', '1%20', '1.0', '+1', '-1']) {
        const res = await runner.api(`${route}${loose}`);
        expect(res.status, `${route}${loose}`).toBe(400);
        const body = await res.json();
        expect(body.errors[0].path, `${route}${loose}`).toBe(at);
        expect(body.detail, `${route}${loose}`).toMatch(new RegExp(`^invalid (query|path): ${at.replace('.', '\\.')}: a whole number in digits \\(0-9\\), e\\.g\\. 20$`));
      }
      for (const plain of ['1', '01']) expect((await runner.api(`${route}${plain}`)).status, `${route}${plain}`).toBe(200);
    }
    // A score bound is a decimal in digits.
    for (const loose of ['5e-1', '0x0', '.', '%200.5', '0.5.1', '-0']) {
      const res = await runner.api(`/api/runs?monitor=m&minScore=${loose}`);
      expect(res.status, loose).toBe(400);
      expect((await res.json()).errors[0].path, loose).toBe('query.minScore');
    }
    for (const plain of ['0.5', '.5', '1', '0']) expect((await runner.api(`/api/runs?monitor=m&maxScore=${plain}`)).status, plain).toBe(200);
  });

  it('OpenAPI documents limit, cursor and the next-page headers on every list', async () => {
    const doc = await (await runner.api('/api/openapi.json')).json();
    for (const path of ['/api/pipelines', '/api/pipelines/{name}/versions', '/api/runs', '/api/datasets', '/api/evals']) {
      const op = doc.paths[path].get;
      expect(op.parameters.map((p: any) => p.name), path).toEqual(expect.arrayContaining(['limit', 'cursor']));
      expect(Object.keys(op.responses['200'].headers), path).toEqual(['x-next-cursor', 'link']);
    }
  });
});
