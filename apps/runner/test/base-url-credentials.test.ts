import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';
import { cleanEnv, runCli, workspace } from './cli-child';
import { echoPipeline, startTestRunner, waitForRun } from './support/test-runner';

// A base URL's `user:password@` becomes an `Authorization: Basic …` header: a server that echoes the header
// (a proxy's 401, a model repeating what it was sent) hands back the password, as base64 or decoded.
const PASSWORD = 'pw-b4sic-0123456789abcdef';
const BASIC = Buffer.from(`alice:${PASSWORD}`).toString('base64');

let stub: OpenAIStub;
let ws: { dir: string; remove(): void };

/** The cached (temperature 0) model call whose reply echoes what the stub was sent. */
const pipeline = echoPipeline('basic', 'stub:model', 0);

beforeAll(async () => {
  stub = await startOpenAIStub({
    handler: (req) => {
      const auth = String(req.headers.authorization ?? '');
      const decoded = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString();
      if (String(req.body?.messages?.at(-1)?.content ?? '').includes('fail')) {
        return { status: 401, body: { error: { message: `refused Authorization: ${auth} (${decoded})`, type: 'invalid_request_error' } } };
      }
      return { text: `you sent ${auth}, that is ${decoded}` };
    },
  });
  ws = workspace({ 'basic.json': pipeline });
});
afterAll(async () => {
  await stub.close();
  ws.remove();
});

/** Every 8 characters of the password and of the Basic credential, in each text: the labels of the texts holding one. */
function leaksIn(texts: Array<[string, string]>): string[] {
  const pieces = [PASSWORD, BASIC].flatMap((secret) => Array.from({ length: secret.length - 7 }, (_, i) => secret.slice(i, i + 8)));
  return texts.filter(([, text]) => pieces.some((p) => text.includes(p))).map(([label]) => label);
}

const filesOf = (dir: string): Array<[string, string]> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    return e.isDirectory() ? filesOf(file) : [[e.name, fs.readFileSync(file).toString('latin1')] as [string, string]];
  });

describe("the credentials of a provider's base URL", () => {
  it('are masked by the runner: in runs, their errors, the log and every file (given in <NAME>_BASE_URL)', async () => {
    const logs: string[] = [];
    const runner = await startTestRunner({ env: { STUB_BASE_URL: stub.url.replace('http://', `http://alice:${PASSWORD}@`) }, log: (line) => logs.push(line) });
    try {
      expect((await runner.post('/api/pipelines', pipeline)).status).toBe(201);
      const seen: Array<[string, string]> = [];
      for (const question of ['hi', 'fail']) {
        const { id } = (await (await runner.post('/api/runs', { pipeline: 'basic', inputs: { question } })).json()) as { id: string };
        const run = await waitForRun(runner, id);
        expect(run.status).toBe(question === 'fail' ? 'failed' : 'succeeded');
        seen.push([`run ${question}`, JSON.stringify(run)], [`events ${question}`, await (await runner.api(`/api/runs/${id}/events`)).text()]);
      }
      // The masked answer still says the rest.
      expect(seen[0][1]).toContain('you sent Basic [REDACTED], that is alice:[REDACTED]');
      await runner.server.store.runs.flush();
      expect(leaksIn([...seen, ['log', logs.join('\n')], ...filesOf(runner.dataDir)])).toEqual([]);
    } finally {
      await runner.close();
    }
  });

  it('are masked by patchbay run: its output, its response cache (given in the config\'s baseURL)', async () => {
    fs.mkdirSync(path.join(ws.dir, 'data'));
    fs.writeFileSync(path.join(ws.dir, 'data', 'patchbay.config.json'), JSON.stringify({ providers: { stub: { baseURL: stub.url.replace('http://', `http://alice:${PASSWORD}@`) } } }));
    const ok = await runCli(['run', 'basic.json', '--input', 'question=hi', '--json', '--data', 'data'], ws.dir, cleanEnv());
    expect(ok.code, ok.stderr).toBe(0);
    const failed = await runCli(['run', 'basic.json', '--input', 'question=fail', '--data', 'data'], ws.dir, cleanEnv());
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('refused Authorization: Basic [REDACTED]');
    // The config file is where the user wrote it; nothing else may hold it.
    const written = filesOf(path.join(ws.dir, 'data')).filter(([name]) => name !== 'patchbay.config.json');
    expect(written.map(([name]) => name)).toContain('cache.sqlite');
    expect(leaksIn([['ok', ok.stdout + ok.stderr], ['failed', failed.stdout + failed.stderr], ...written])).toEqual([]);
  });
});
