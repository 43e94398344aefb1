import path from 'node:path';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { echoPipeline, startTestRunner, type TestRunner } from './support/test-runner';

// A served answer sent whole is given only once its run is committed; the run is written once, with
// its end, yet any read while it runs still lists it as running.

let runner: TestRunner;
let stub: OpenAIStub;
let client: OpenAI;
/** Replies wait for this while set. */
let gate: Promise<void> | undefined;

/** Straight from the file, on a connection of its own: no API read (which would flush queued writes first). */
function storedStatus(id: string): string | undefined {
  const db = new Database(path.join(runner.dataDir, 'runner.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT status FROM runs WHERE id = ?').get(id) as { status: string } | undefined)?.status;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  stub = await startOpenAIStub({
    handler: async (req) => {
      await gate;
      return { text: `stub says ${req.body?.messages?.at(-1)?.content ?? ''}` };
    },
  });
  runner = await startTestRunner({ env: { STUB_BASE_URL: stub.url } });
  client = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: 'unused-on-loopback', maxRetries: 0 });
  await runner.deploy(echoPipeline('stored', 'stub:model'));
});
afterAll(async () => {
  await runner.close();
  await stub.close();
});

describe('a served run answered whole', () => {
  it('is committed, succeeded, by the time its answer arrives (chat completion and POST …/run)', async () => {
    for (let i = 0; i < 5; i++) {
      const reply = await client.chat.completions.create({ model: 'stored', messages: [{ role: 'user', content: `q${i}` }] });
      expect(reply.choices[0].message.content).toBe(`stub says q${i}`);
      expect(storedStatus(reply.id)).toBe('succeeded');

      const served = await (await runner.post('/api/pipelines/stored/run', { inputs: { question: `r${i}` } })).json();
      expect(served.outputs).toEqual({ answer: `stub says r${i}` });
      expect(storedStatus(served.runId)).toBe('succeeded');
    }
  });

  it('is listed as running by GET /api/runs while the model has not answered', async () => {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const pending = client.chat.completions.create({ model: 'stored', messages: [{ role: 'user', content: 'slow' }] });
    let running: { id: string; status: string; source: string }[] = [];
    while (running.length === 0) {
      const runs = (await (await runner.api('/api/runs?source=openai&status=running')).json()) as { id: string; status: string; source: string }[];
      running = runs;
      if (running.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(running).toHaveLength(1);
    expect(storedStatus(running[0].id)).toBe('running');
    open();
    gate = undefined;
    const reply = await pending;
    expect(reply.id).toBe(running[0].id);
    expect(storedStatus(reply.id)).toBe('succeeded');
  });
});
