import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRunner, type TestRunner } from './support/test-runner';

let runner: TestRunner;
beforeAll(async () => {
  runner = await startTestRunner();
});
afterAll(() => runner.close());

const put = (name: string, body: unknown) =>
  runner.put(`/api/suites/${name}`, body);

describe('saved eval suites', () => {
  it('saves a suite by name, lists it, loads it, and replaces it under the same name', async () => {
    const suite = {
      scorers: [{ name: 'answer', type: 'contains', target: 'answer', expectedKey: 'answer', threshold: 1, params: { ignoreCase: true } }],
      repeat: 1,
      concurrency: 4,
    };
    const created = await put('support', suite);
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: 'support', suite });

    const listed = await (await runner.api('/api/suites')).json();
    expect(listed.map((s: { name: string }) => s.name)).toEqual(['support']);
    expect(await (await runner.api('/api/suites/support')).json()).toMatchObject({ name: 'support', suite });

    const replaced = await put('support', { ...suite, repeat: 3 });
    expect(replaced.status).toBe(200);
    expect((await (await runner.api('/api/suites/support')).json()).suite.repeat).toBe(3);
  });

  it('refuses a suite the eval route would refuse, with the JSON path, and answers 404 for an unknown name', async () => {
    const bad = await put('typo', { scorers: [{ type: 'contains', expectdKey: 'answer' }] });
    expect(bad.status).toBe(400);
    const problem = await bad.json();
    expect(problem.errors[0].path).toMatch(/^\$\.scorers\[0\]/);
    const missing = await runner.api('/api/suites/nobody');
    expect(missing.status).toBe(404);
    expect((await missing.json()).detail).toBe('there is no saved suite "nobody"');
  });

  it('refuses an unknown scorer type, bad params and a gate on a scorer it lacks, as POST /api/evals does, and stores nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [{ scorers: [{ type: 'nope' }] }, '$.scorers[0].type'],
      [{ scorers: [{ type: 'regex', params: { pattern: '(' } }] }, '$.scorers[0].params.pattern'],
      // No linear-time engine runs a backreference or a lookahead: on a served run's output it could hold the runner.
      [{ scorers: [{ type: 'regex', params: { pattern: '^(a|a)+\\1$' } }] }, '$.scorers[0].params.pattern'],
      [{ scorers: [{ type: 'json-schema', params: { schema: { type: 'string', pattern: '^(?=(a+)+$)' } } }] }, '$.scorers[0].params.schema'],
      [{ scorers: [{ type: 'javascript', params: { code: 'return value.output ===' } }] }, '$.scorers[0].params.code'],
      [{ scorers: [{ type: 'exact' }], gate: { maxDrop: { other: 0.1 } } }, '$.gate.maxDrop.other'],
    ];
    for (const [suite, path] of cases) {
      const res = await put('refused', suite);
      expect(res.status, JSON.stringify(suite)).toBe(400);
      const problem = await res.json();
      expect(problem.errors[0].path).toBe(path);
      // The path once, as a JSON path, then the reason (not `suite "refused": scorers[0].type: … ($.scorers[0].type)`).
      expect(problem.detail).toBe(`invalid suite: ${path}: ${problem.errors[0].message}`);
      expect(problem.errors[0].message).not.toMatch(/suite "|scorers\[/);
    }
    expect((await runner.api('/api/suites/refused')).status).toBe(404);
  });

  it('is in the OpenAPI document with operation ids', async () => {
    const doc = await (await runner.api('/api/openapi.json')).json();
    expect(doc.paths['/api/suites'].get.operationId).toBe('listSuites');
    expect(doc.paths['/api/suites/{name}'].get.operationId).toBe('getSuite');
    expect(doc.paths['/api/suites/{name}'].put.operationId).toBe('saveSuite');
  });
});
