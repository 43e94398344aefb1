// A monitor, an alert rule and a saved suite are stored as sent, as a pipeline or a dataset is: one holding a
// secret, or 8 characters of one, is refused at its path, and nothing of it reaches the database.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';

const KEY = 'sk-settings-0123456789abcdef';
// 12 characters of it: what a cut-short paste would hold.
const PIECE = KEY.slice(4, 16);

let runner: TestRunner;
beforeAll(async () => {
  runner = await startTestRunner({ env: { STUB_API_KEY: KEY } });
  expect((await runner.post('/api/pipelines', echoPipeline('qa'))).status).toBe(201);
  expect((await runner.post('/api/datasets', { name: 'qs', cases: [{ id: 'c1', input: { question: 'hi' }, expected: 'hi' }] })).status).toBe(201);
});
afterAll(() => runner.close());

const filesOf = (dir: string): Array<[string, string]> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    return e.isDirectory() ? filesOf(file) : [[file, fs.readFileSync(file).toString('latin1')] as [string, string]];
  });

describe('settings the runner stores as sent', () => {
  it.each([
    ['a monitor', '/api/pipelines/qa/monitors', { monitors: [{ name: 'mentions', scorer: { type: 'contains', params: { value: `key ${PIECE}` } } }] }, '$.monitors[0].scorer.params.value'],
    ['an alert rule', '/api/pipelines/qa/alert-rules', { rules: [{ name: 'errors', metric: 'errorRate', window: 5, op: 'above', threshold: 0.5, webhook: `https://hooks.example/x?token=${PIECE}` }] }, '$.rules[0].webhook'],
    ['a saved suite', '/api/suites/smoke', { scorers: [{ name: 'm', type: 'contains', params: { value: PIECE } }] }, '$.scorers[0].params.value'],
  ])('refuses %s holding part of a secret, at its path', async (_, route, body, at) => {
    const res = await runner.put(route, body);
    expect(res.status).toBe(400);
    const problem = await res.json();
    expect(problem.type).toMatch(/secret-in-document$/);
    expect(problem.errors).toEqual([{ path: at, message: 'holds part of the value of STUB_API_KEY' }]);
  });

  // An eval's suite is kept with it (resumed from it) and, scaled out, sent to every worker through Redis.
  it.each([
    ['an eval', '/api/evals', { pipeline: 'qa', dataset: 'qs', suite: { scorers: [{ name: 'm', type: 'contains', params: { value: PIECE } }] } }, '$.suite.scorers[0].params.value'],
    ['a promotion', '/api/pipelines/qa/promotions', { version: 1, label: 'staging', suite: { dataset: 'qs', scorers: [{ name: 'm', type: 'contains', params: { value: PIECE } }] } }, '$.suite.scorers[0].params.value'],
  ])('refuses %s whose suite holds part of a secret, at its path', async (_, route, body, at) => {
    const res = await runner.post(route, body);
    expect(res.status).toBe(400);
    const problem = await res.json();
    expect(problem.type).toMatch(/secret-in-document$/);
    expect(problem.errors).toEqual([{ path: at, message: 'holds part of the value of STUB_API_KEY' }]);
  });

  // A label's name is stored with its history, and counted as a Prometheus label value.
  it('refuses a label named with part of a secret, at path.label', async () => {
    const res = await runner.put(`/api/pipelines/qa/labels/${KEY.slice(3, 20)}`, { version: 1 });
    expect(res.status).toBe(400);
    const problem = await res.json();
    expect(problem.type).toMatch(/secret-in-document$/);
    expect(problem.errors).toEqual([{ path: 'path.label', message: 'holds part of the value of STUB_API_KEY' }]);
    expect(await (await runner.api('/api/pipelines/qa/labels')).json()).toEqual({ labels: {} });
  });

  it('stores none of it', async () => {
    expect(await (await runner.api('/api/pipelines/qa/monitors')).json()).toEqual({ monitors: [] });
    expect(await (await runner.api('/api/pipelines/qa/alert-rules')).json()).toEqual({ rules: [] });
    expect((await runner.api('/api/suites/smoke')).status).toBe(404);
    expect(await (await runner.api('/api/evals')).json()).toEqual([]);
    const pieces = Array.from({ length: KEY.length - 7 }, (_, i) => KEY.slice(i, i + 8));
    expect(filesOf(runner.dataDir).filter(([, text]) => pieces.some((p) => text.includes(p))).map(([file]) => file)).toEqual([]);
  });
});
