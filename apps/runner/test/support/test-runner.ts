import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readEventStream, type StreamMessage } from '@patchbay/core';
import { expect } from 'vitest';
import { startServer, type RunningServer, type ServerOptions } from '../../src/index';

/** A real runner on 127.0.0.1, a random port and a fresh temp data dir; `env` is empty unless given, so the host's keys never leak in. */
export async function startTestRunner(options: Partial<ServerOptions> = {}) {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-runner-'));
  const server: RunningServer = await startServer({ port: 0, quiet: true, editorDist: false, env: {}, ...options, dataDir });
  const api = (p: string, init?: RequestInit) => fetch(server.url + p, init);
  const send = (method: 'POST' | 'PUT') => (p: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(server.url + p, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const post = send('POST');
  const put = send('PUT');
  return {
    server,
    dataDir,
    url: server.url,
    api,
    /** A JSON body POSTed to `p`. */
    post,
    /** A JSON body PUT to `p` (a label, monitors, a suite). */
    put,
    /** Saves `doc` as version 1 of its pipeline and points its production label there, which is what /v1 and …/run serve. */
    async deploy(doc: { name: string }, headers: Record<string, string> = {}) {
      expect((await post('/api/pipelines', doc, headers)).status).toBe(201);
      expect((await put(`/api/pipelines/${doc.name}/labels/production`, { version: 1 }, headers)).status).toBe(200);
    },
    async close() {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestRunner = Awaited<ReturnType<typeof startTestRunner>>;

/** input → llm (offline:echo) → output: answers with its question. */
/** `temperature` 0 makes the model call cacheable (the response cache keys only such calls). */
export function echoPipeline(name = 'echo', model = 'offline:echo', temperature?: number) {
  return {
    format: 'patchbay.pipeline/v1',
    name,
    nodes: [
      { id: 'q', type: 'input', position: { x: 0, y: 0 }, config: { name: 'question', valueType: 'string' } },
      { id: 'answer', type: 'llm', config: temperature === undefined ? { model, prompt: '{{ question }}' } : { model, prompt: '{{ question }}', temperature } },
      { id: 'out', type: 'output', config: { name: 'answer' } },
    ],
    edges: [
      { from: 'q.value', to: 'answer.question' },
      { from: 'answer.text', to: 'out.value' },
    ],
  };
}

/** input → transform (fails on "fail") → output: a pipeline whose error rate a test controls. */
export const flakyPipeline = {
  format: 'patchbay.pipeline/v1',
  name: 'flaky',
  nodes: [
    { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 't', type: 'transform', config: { expression: '$ = "fail" ? $error("failed on purpose") : $' } },
    { id: 'out', type: 'output', config: { name: 'answer' } },
  ],
  edges: [
    { from: 'q.value', to: 't.value' },
    { from: 't.value', to: 'out.value' },
  ],
};

export type SseEvent = StreamMessage;

/** Streams the events of an SSE response as they arrive (the editor's decoder, from core). */
export function sseEvents(response: Response): AsyncGenerator<SseEvent> {
  return readEventStream(response.body!);
}

export async function allSseEvents(response: Response): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const event of sseEvents(response)) out.push(event);
  return out;
}

/**
 * Polls `GET /api/runs/:id` until the run is no longer running, on a TestRunner or on `{ api }` of a runner started
 * as a process. A 5xx answer (its store or queue away for a moment, in a scale-out test) says nothing of the run:
 * it polls on.
 */
export async function waitForRun(runner: Pick<TestRunner, 'api'>, id: string, timeoutMs = 10_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const res = await runner.api(`/api/runs/${id}`);
    if (res.status < 500) {
      const run = await res.json();
      if (run.status !== 'running') return run;
      last = 'running';
    } else last = `HTTP ${res.status}: ${await res.text()}`;
    if (Date.now() > deadline) throw new Error(`run ${id} not ended after ${timeoutMs} ms (last answer: ${last})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
