import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer, type ServerOptions } from '../../src/index';

/** A real runner on 127.0.0.1, a random port and a fresh temp data dir; `env` is empty unless given, so the host's keys never leak in. */
export async function startTestRunner(options: Partial<ServerOptions> = {}) {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-runner-'));
  const server: RunningServer = await startServer({ port: 0, quiet: true, editorDist: false, env: {}, ...options, dataDir });
  const api = (p: string, init?: RequestInit) => fetch(server.url + p, init);
  const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(server.url + p, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return {
    server,
    dataDir,
    url: server.url,
    api,
    post,
    async close() {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestRunner = Awaited<ReturnType<typeof startTestRunner>>;

/** input → llm (offline:echo) → output: answers with its question. */
export function echoPipeline(name = 'echo', model = 'offline:echo') {
  return {
    format: 'patchbay.pipeline/v1',
    name,
    nodes: [
      { id: 'q', type: 'input', position: { x: 0, y: 0 }, config: { name: 'question', valueType: 'string' } },
      { id: 'answer', type: 'llm', config: { model, prompt: '{{ question }}' } },
      { id: 'out', type: 'output', config: { name: 'answer' } },
    ],
    edges: [
      { from: 'q.value', to: 'answer.question' },
      { from: 'answer.text', to: 'out.value' },
    ],
  };
}

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** Parses one SSE frame (the text between blank lines); comments (keep-alives) give undefined. */
function parseFrame(frame: string): SseEvent | undefined {
  const event: SseEvent = { event: 'message', data: '' };
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') event.id = value;
    else if (field === 'event') event.event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0 && event.event === 'message') return undefined;
  event.data = data.join('\n');
  return event;
}

/** Streams the events of an SSE response as they arrive. */
export async function* sseEvents(response: Response): AsyncGenerator<SseEvent> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const parsed = parseFrame(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (parsed) yield parsed;
    }
  }
}

export async function allSseEvents(response: Response): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const event of sseEvents(response)) out.push(event);
  return out;
}

/** Polls `GET /api/runs/:id` until the run is no longer running. */
export async function waitForRun(runner: TestRunner, id: string, timeoutMs = 10_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await (await runner.api(`/api/runs/${id}`)).json();
    if (run.status !== 'running') return run;
    if (Date.now() > deadline) throw new Error(`run ${id} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
