// @vitest-environment node
import { describe, expect, inject, it } from 'vitest';
import { createApi } from '../src/lib/api';
import { createDeployStore } from '../src/deploy/deploy-store';
import { echoPipeline } from './support/documents';

// The Deploy panel's state against a real runner (support/global-runner.ts).
const url = inject('runnerUrl');
const api = createApi({ baseUrl: url });
const send = (method: string, p: string, body: unknown) => fetch(url + p, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the Deploy panel’s state', () => {
  // Someone else moved the label to the chosen version between the check and the click on Move: the
  // promotion then has nothing to do ("unchanged"). The panel showed it as a verdict with no comparison
  // and a Move button that did nothing; it now goes back to its start, showing where the label is.
  it('goes back to its start when the label came to hold the version after the check', async () => {
    await api.createPipeline(echoPipeline('deploy-race'));
    await api.saveVersion('deploy-race', { document: echoPipeline('deploy-race', 'Q: {{ question }}'), message: 'prefix', baseVersion: 1 });
    expect((await send('POST', '/api/datasets', { name: 'race', cases: [{ id: 'a', input: { question: 'paris' }, expected: 'paris' }] })).status).toBe(201);
    expect((await send('PUT', '/api/pipelines/deploy-race/labels/production', { version: 1 })).status).toBe(200);
    const store = createDeployStore('deploy-race', { deploy: api.deploy, listVersions: (name) => api.listVersions(name) });
    await store.getState().load();
    await store.getState().check('production', 2, { dataset: 'race', scorers: [{ name: 'mentions', type: 'contains' }] });
    expect(store.getState().step).toMatchObject({ phase: 'checked', promotion: { status: 'checked' } });

    expect((await send('PUT', '/api/pipelines/deploy-race/labels/production', { version: 2 })).status).toBe(200);
    await store.getState().move();
    expect(store.getState().step).toEqual({ phase: 'idle' });
    expect(store.getState().labels?.production?.version).toBe(2);
    // and a check of the version the label holds (a list not yet reloaded) has nothing to compare
    await store.getState().check('production', 2, { dataset: 'race', scorers: [{ name: 'mentions', type: 'contains' }] });
    expect(store.getState().step).toEqual({ phase: 'idle' });
  });
});
