// @vitest-environment node
import { describe, expect, inject, it } from 'vitest';
import type { RunEvent } from '@patchbay/core';
import { ApiError, ConflictError, createApi, latestVersionPath, problemMessage } from '../src/lib/api';
import { fetchEarly } from '../src/lib/early-fetch';
import { echoPipeline } from './support/documents';
import { freePort } from '../../../test/support/free-port';

// The editor's API client against a real runner (support/global-runner.ts): the shapes the
// editor reads are the ones the runner sends.
const api = createApi({ baseUrl: inject('runnerUrl') });

describe('API client', () => {
  it('creates a pipeline, lists it, and reads its latest version', async () => {
    const saved = await api.createPipeline(echoPipeline('client-create'));
    expect(saved.number).toBe(1);
    const list = await api.listPipelines();
    expect(list.find((p) => p.name === 'client-create')?.latestVersion).toBe(1);
    const latest = await api.latestVersion('client-create');
    expect(latest.number).toBe(1);
    expect(latest.document.nodes.map((n) => n.id)).toEqual(['question', 'answer', 'result']);
  });

  it('pages a list by its X-Next-Cursor, and a picker list follows every page', async () => {
    await api.createPipeline(echoPipeline('client-pages'));
    for (let v = 2; v <= 102; v++) await api.saveVersion('client-pages', { document: echoPipeline('client-pages', `v${v} {{ question }}`), message: `v${v}`, baseVersion: v - 1 });
    const first = await api.versionsPage('client-pages');
    expect(first.items.map((v) => v.number).slice(0, 2)).toEqual([102, 101]);
    expect(first.items).toHaveLength(100);
    const second = await api.versionsPage('client-pages', first.next!);
    expect(second).toMatchObject({ items: [{ number: 2 }, { number: 1 }], next: null });
    expect((await api.listVersions('client-pages')).map((v) => v.number)).toEqual(Array.from({ length: 102 }, (_, i) => 102 - i));
  });

  it('reads the latest version asked for as the page started once, then from the runner again', async () => {
    await api.createPipeline(echoPipeline('client-early'));
    await fetchEarly(inject('runnerUrl') + latestVersionPath('client-early')); // answered before the save below
    await api.saveVersion('client-early', { document: echoPipeline('client-early', 'Two: {{ question }}'), message: 'two', baseVersion: 1 });
    // the answer to the early request: what the page would have shown had it opened at that moment
    expect((await api.latestVersion('client-early')).number).toBe(1);
    // no cache: the next read sees the newer version
    expect((await api.latestVersion('client-early')).number).toBe(2);
  });

  it('turns a stale save into a ConflictError naming the latest version', async () => {
    await api.createPipeline(echoPipeline('client-conflict'));
    const v2 = await api.saveVersion('client-conflict', { document: echoPipeline('client-conflict', 'Two: {{ question }}'), message: 'two', baseVersion: 1 });
    expect(v2.number).toBe(2);
    const stale = api.saveVersion('client-conflict', { document: echoPipeline('client-conflict', 'Three: {{ question }}'), message: 'three', baseVersion: 1 });
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(stale).rejects.toMatchObject({ latest: 2 });
    const versions = await api.listVersions('client-conflict');
    expect(versions.map((v) => v.number).sort()).toEqual([1, 2]);
  });

  it('reports a problem+json error as one line', async () => {
    const missing = api.latestVersion('no-such-pipeline');
    await expect(missing).rejects.toBeInstanceOf(ApiError);
    await expect(missing).rejects.toMatchObject({ status: 404 });
    await expect(api.latestVersion('no-such-pipeline')).rejects.toThrow(/no-such-pipeline/);
  });

  it('says a field error once when the detail already names its path (as every 4xx detail does)', async () => {
    // The runner's detail ends with the first error's path: "there is no eval \"nope\" (query.a)"; the
    // field error's own words after it again ("…: query.a: no such eval") would say it twice.
    await expect(api.evals.compare('nope', 'nope2')).rejects.toThrow(/^there is no eval "nope" \(query\.a\)$/);
    expect(problemMessage(404, { detail: 'there is no eval "nope" (query.a)', errors: [{ path: 'query.a', message: 'no such eval' }] })).toBe('there is no eval "nope" (query.a)');
    // A detail that names neither still gets the first error, where it is.
    expect(problemMessage(422, { detail: 'version 2 has problems', problems: [{ path: '$.nodes[0].id', message: 'must be at most 100 characters long' }] })).toBe(
      'version 2 has problems: $.nodes[0].id: must be at most 100 characters long',
    );
  });

  it('says in one line that the runner did not answer when nothing listens, for a call and for a streamed run', async () => {
    const gone = createApi({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    const reason = 'Could not reach the runner (is patchbay serve still running?)';
    await expect(gone.listPipelines()).rejects.toThrow(reason);
    await expect(gone.streamRun({ pipeline: 'qa', inputs: {} }, () => {})).rejects.toThrow(reason);
  });

  it('streams a run: events in order, tokens for the llm node, the outputs at the end', async () => {
    const events: RunEvent[] = [];
    const last = await api.streamRun({ document: echoPipeline('client-run'), inputs: { question: 'hello there' } }, (e) => events.push(e));
    expect(last?.type).toBe('run.completed');
    expect(events[0].type).toBe('run.started');
    const types = events.map((e) => e.type);
    expect(types.indexOf('node.started')).toBeGreaterThan(0);
    const tokens = events.filter((e): e is Extract<RunEvent, { type: 'node.token' }> => e.type === 'node.token');
    expect(tokens.every((t) => t.nodeId === 'answer')).toBe(true);
    expect(tokens.map((t) => t.text).join('')).toBe('Say: hello there');
    expect(last?.type === 'run.completed' && last.outputs).toEqual({ answer: 'Say: hello there' });

    const run = await api.getRun(events[0].runId);
    expect(run.status).toBe('succeeded');
    expect(run.nodes.answer.status).toBe('succeeded');
    expect(run.nodes.answer.outputs?.text).toBe('Say: hello there');
  });

  it('lists the runs of a saved version', async () => {
    await api.createPipeline(echoPipeline('client-runs'));
    await api.streamRun({ pipeline: 'client-runs', version: 1, inputs: { question: 'q' } }, () => {});
    const runs = await api.listRuns('client-runs');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ pipeline: 'client-runs', version: 1, status: 'succeeded' });
  });

  it('refuses to run a document with problems, with the reason', async () => {
    const broken = echoPipeline('client-broken');
    broken.edges = broken.edges.slice(1); // answer.text no longer reaches the output
    await expect(api.streamRun({ document: broken, inputs: { question: 'q' } }, () => {})).rejects.toMatchObject({ status: 422 });
  });

  it('lists node types with config JSON Schemas, and providers with offline models', async () => {
    const types = await api.nodeTypes();
    const llm = types.find((t) => t.type === 'llm');
    expect(llm?.configSchema.properties).toHaveProperty('prompt');
    expect(llm?.templateFields).toContain('prompt');
    const providers = await api.providers();
    const offline = providers.find((p) => p.offline);
    expect(offline?.models?.some((m) => m.endsWith('echo'))).toBe(true);
  });
});
