// The first run as a newcomer has it: `npm start` (the editor build, then
// `patchbay serve`) on a fresh data dir and a free port, and the demo workspace
// it seeds, checked over HTTP. The browser half (the editor opening the demo)
// is test/e2e/first-run.test.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEMO = path.join(ROOT, 'examples/support-assistant');
const BIN = path.join(ROOT, 'apps/runner/bin/patchbay.js');

interface Started {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | string>;
}

/** The environment a person's shell would give, less anything that changes the runner (keys, tokens, data dir, demo switch). */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^PATCHBAY_|_API_KEY$|_BASE_URL$|^PORT$|^HOST$/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Starts a command in its own process group (npm starts a shell, which starts node) and waits for the runner's URL. */
function start(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Started> {
  const child = spawn(command, args, { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "Patchbay listening" within ${timeoutMs} ms\n${out}\n${err}`)), timeoutMs);
    const poll = setInterval(() => {
      const match = /Patchbay listening on (http:\/\/\S+)/.exec(out);
      if (!match) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ child, url: match[1], stdout: () => out, stderr: () => err, exited });
    }, 50);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before listening\n${out}\n${err}`));
    });
  });
}

async function stop(started: Started | undefined) {
  if (!started || started.child.exitCode !== null || started.child.signalCode !== null) return;
  process.kill(-started.child.pid!, 'SIGTERM');
  await started.exited;
}

const getJson = async (url: string) => {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return res.json();
};

/** Case ids by tag, from the dataset the demo ships. */
const casesByTag = (() => {
  const tags: Record<string, string[]> = {};
  for (const line of fs.readFileSync(path.join(DEMO, 'cases.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const c = JSON.parse(line);
    for (const tag of c.tags) (tags[tag] ??= []).push(c.id);
  }
  return tags;
})();

interface CaseRecord { id: string; status: string; outputs: Record<string, unknown>; scores: Record<string, { pass: boolean }> }

/** How many of the tagged cases pass a scorer (or pass as a whole, with scorer undefined). */
function passing(cases: CaseRecord[], tag: string, scorer?: string): number {
  const ids = new Set(casesByTag[tag]);
  return cases.filter((c) => ids.has(c.id) && (scorer ? c.scores[scorer]?.pass === true : c.status === 'passed')).length;
}

async function waitForRun(url: string, id: string) {
  for (;;) {
    const run = await getJson(`${url}/api/runs/${id}`);
    if (run.status !== 'running') return run;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('first run: npm start on a fresh data dir', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-first-run-'));
  const dataDir = path.join(tmp, 'data');
  let runner: Started | undefined;
  let url: string;

  beforeAll(async () => {
    // The real thing: `npm start` builds the editor, then serves it with the demo seeded. The port is free when
    // freePort() looks, but `npm start` binds it only after the build (a minute on a loaded machine), while the
    // servers of the files running beside this one bind ports of their own: should one take it meanwhile, serve
    // stops ("EADDRINUSE") and the first run starts over on another port and a fresh data dir.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        runner = await start('npm', ['start'], { PORT: String(port), PATCHBAY_DATA: dataDir }, 170_000);
      } catch (err) {
        if (attempt >= 2 || !/EADDRINUSE/.test((err as Error).message)) throw err;
        fs.rmSync(dataDir, { recursive: true, force: true });
        continue;
      }
      url = runner.url;
      expect(url).toBe(`http://127.0.0.1:${port}`);
      break;
    }
  }, 360_000);

  afterAll(async () => {
    await stop(runner);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('says once where it seeded the demo, before it listens, and nothing else about it', () => {
    const lines = runner!.stdout().split('\n');
    const seeded = lines.filter((l) => l.includes('demo'));
    expect(seeded).toEqual([`Seeded the demo workspace into ${dataDir}`]);
    expect(lines.indexOf(seeded[0])).toBe(lines.findIndex((l) => l.startsWith('Patchbay listening')) - 1);
    expect(runner!.stderr()).not.toMatch(/could not seed/);
  });

  it('is healthy and serves the editor at /', async () => {
    expect(await getJson(`${url}/healthz`)).toEqual({ status: 'ok' });
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<div id="root">/);
  });

  it('has the support-assistant pipeline in three versions, each with its message', async () => {
    const versions = await getJson(`${url}/api/pipelines/support-assistant/versions`);
    expect(versions.map((v: { number: number }) => v.number)).toEqual([3, 2, 1]);
    expect(versions.map((v: { parent: number | null }) => v.parent)).toEqual([2, 1, null]);
    for (const v of versions) {
      expect(v.message).not.toBe('');
      expect(v.problems).toEqual([]);
    }
    const v3 = await getJson(`${url}/api/pipelines/support-assistant/versions/3`);
    expect(v3.document).toEqual(JSON.parse(fs.readFileSync(path.join(DEMO, 'pipelines/v3.json'), 'utf8')));
  });

  it('has the composed support-triage pipeline, mapping questions through support-assistant, with a passing eval', async () => {
    const [version] = await getJson(`${url}/api/pipelines/support-triage/versions`);
    expect(version.problems).toEqual([]);
    const [result] = await getJson(`${url}/api/evals?pipeline=support-triage`);
    expect(result.status).toBe('succeeded');
    const res = await fetch(`${url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pipeline: 'support-triage', inputs: { questions: ['Does the hub support 5 GHz Wi-Fi networks?', 'What is the capital of Peru?'] } }),
    });
    expect(res.status).toBe(201);
    const { id } = await res.json();
    let run: any;
    await expect.poll(async () => (run = await getJson(`${url}/api/runs/${id}`)).status, { timeout: 20_000 }).toBe('succeeded');
    expect(run.outputs.summary).toContain('1 answered, 1 for a person.');
    expect(run.resolved).toEqual({ 'support-assistant@production': { pipeline: 'support-assistant', version: 3, label: 'production' } });
    expect(run.nodes.answer_each.items).toHaveLength(2);
  });

  it('has the eval results of v1, v2 and v3: v2 better than v1 on docs questions, v3 better than v2 on order questions', async () => {
    const list = await getJson(`${url}/api/evals?pipeline=support-assistant`);
    expect(list).toHaveLength(3);
    const byVersion = new Map<number, { id: string; status: string; baseline: string | null }>(list.map((e: any) => [e.version, e]));
    expect([...byVersion.keys()].sort()).toEqual([1, 2, 3]);
    for (const e of list) expect(e.status).toBe('succeeded');
    // Each result is compared with the version before it, so the compare view opens on a real pair.
    expect(byVersion.get(1)!.baseline).toBeNull();
    expect(byVersion.get(2)!.baseline).toBe(byVersion.get(1)!.id);
    expect(byVersion.get(3)!.baseline).toBe(byVersion.get(2)!.id);

    const cases = new Map<number, CaseRecord[]>();
    for (const [v, e] of byVersion) {
      const result = await getJson(`${url}/api/evals/${e.id}`);
      expect(result.cases).toHaveLength(40);
      cases.set(v, result.cases);
    }
    const [v1, v2, v3] = [cases.get(1)!, cases.get(2)!, cases.get(3)!];
    expect(casesByTag.docs).toHaveLength(30);
    expect(casesByTag.orders).toHaveLength(10);

    // Retrieval: v1 (the model alone) answers no docs question; v2 finds the doc and answers most.
    expect(passing(v1, 'docs', 'answer')).toBe(0);
    expect(passing(v2, 'docs', 'answer')).toBeGreaterThanOrEqual(20);
    expect(passing(v2, 'docs', 'found-doc')).toBe(30);
    expect(v1[0].scores['found-doc']).toBeUndefined(); // v1 has no retrieve node to score
    // offline:extractive answers with a sentence, never with a document's heading ("# Warranty").
    for (const c of [...v2, ...v3]) expect(String(c.outputs.answer ?? '')).not.toMatch(/^\s*#/);
    // Orders: only v3's agent, through the orders tool, knows an order's status; docs questions hold.
    expect(passing(v2, 'orders', 'answer')).toBe(0);
    expect(passing(v3, 'orders', 'answer')).toBe(10);
    expect(passing(v3, 'orders')).toBe(10);
    expect(passing(v3, 'docs')).toBe(passing(v2, 'docs'));

    // What the compare view shows for v2 → v3: the ten order cases improved, nothing regressed, a significant gain.
    const comparison = await getJson(`${url}/api/compare?a=${byVersion.get(2)!.id}&b=${byVersion.get(3)!.id}`);
    expect([...comparison.improved].sort()).toEqual([...casesByTag.orders].sort());
    expect(comparison.regressed).toEqual([]);
    expect(comparison.scorers.answer.delta).toBeCloseTo(0.25, 5);
    expect(comparison.scorers.answer.pValue).toBeLessThan(0.05);
  });

  /** A dry-run promotion of `pipeline` v`version` to production on its saved suite and dataset, once it has ended. */
  async function dryRunPromotion(pipeline: string, version: number, suite: object) {
    const res = await fetch(`${url}/api/pipelines/${pipeline}/promotions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'production', version, dryRun: true, suite: { ...suite, dataset: pipeline } }),
    });
    expect(res.status).toBe(202);
    const { id } = await res.json();
    let outcome;
    do {
      await new Promise((r) => setTimeout(r, 50));
      outcome = await getJson(`${url}/api/promotions/${id}`);
    } while (outcome.status === 'running');
    return outcome;
  }

  it('a promotion on the demo\'s saved suite reuses the seeded evals: promoting after an eval costs nothing', async () => {
    // docs/deploy.md promises it; the seeded results stored only their scorers' names, so the first
    // promotion on the demo (CLI or the editor's Deploy check) evaluated both versions again.
    const { suite } = await getJson(`${url}/api/suites/support-assistant`);
    const evals: Array<{ id: string; version: number }> = await getJson(`${url}/api/evals?pipeline=support-assistant`);
    const seeded = new Map(evals.map((e) => [e.version, e.id]));
    const outcome = await dryRunPromotion('support-assistant', 2, suite);
    expect(outcome).toMatchObject({ status: 'checked', from: 3, to: 2, evalIds: { candidate: seeded.get(2), holder: seeded.get(3) } });
    expect(outcome.comparison.regressed).toHaveLength(10);
  });

  it("a promotion of the composed support-triage reuses its seeded eval, as support-assistant's do", async () => {
    // The triage eval was stored with no workspace and no scorers, and its suite was not saved by name:
    // a promotion of support-triage (the Deploy view's check) evaluated it again.
    const { suite } = await getJson(`${url}/api/suites/support-triage`);
    const [seeded] = await getJson(`${url}/api/evals?pipeline=support-triage`);
    const outcome = await dryRunPromotion('support-triage', 1, suite);
    expect(outcome).toMatchObject({ status: 'checked', to: 1, evalIds: { candidate: seeded.id } });
  });

  it('v3 answers an order question through its orders tool', async () => {
    const orders = JSON.parse(fs.readFileSync(path.join(DEMO, 'orders.json'), 'utf8')) as Array<{ number: number; status: string }>;
    const order = orders.find((o) => o.number === 1004)!;
    const res = await fetch(`${url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pipeline: 'support-assistant', version: 3, inputs: { question: `What is the status of order ${order.number}?` } }),
    });
    expect(res.status).toBe(201);
    const run = await waitForRun(url, (await res.json()).id);
    expect(run.status).toBe('succeeded');
    expect(run.outputs.answer).toContain(order.status);

    const agent = run.nodes.orders;
    expect(agent.status).toBe('succeeded');
    const toolCalls = agent.calls.filter((c: { kind: string }) => c.kind === 'tool');
    expect(toolCalls).toHaveLength(1);
    expect(toolCalls[0].name).toBe('orders');
    expect(toolCalls[0].output.rows).toEqual([expect.objectContaining({ number: order.number, status: order.status })]);
    // The docs answer is the branch not taken.
    expect(run.nodes.answer.status).toBe('skipped');
  });

  it('never seeds over existing data: a restart keeps what the user saved', async () => {
    const v3 = await getJson(`${url}/api/pipelines/support-assistant/versions/3`);
    const saved = await fetch(`${url}/api/pipelines/support-assistant/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ document: { ...v3.document, title: 'Support assistant (mine)' }, message: 'my edit', baseVersion: 3 }),
    });
    expect(saved.status).toBe(201);
    await stop(runner);

    const again = await start(process.execPath, [BIN, 'serve', '--port', '0'], { PATCHBAY_DATA: dataDir }, 60_000);
    try {
      expect(again.stdout()).not.toMatch(/Seeded/);
      const versions = await getJson(`${again.url}/api/pipelines/support-assistant/versions`);
      expect(versions.map((v: { number: number }) => v.number)).toEqual([4, 3, 2, 1]);
      expect(await getJson(`${again.url}/api/evals?pipeline=support-assistant`)).toHaveLength(3);
    } finally {
      await stop(again);
    }
  });
});

describe('the demo seed stays out of the way', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-no-demo-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('--no-demo and PATCHBAY_DEMO=0 leave an empty data dir empty of pipelines', async () => {
    for (const [args, env] of [[['--no-demo'], {}], [[], { PATCHBAY_DEMO: '0' }]] as const) {
      const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
      const runner = await start(process.execPath, [BIN, 'serve', '--port', '0', ...args], { ...env, PATCHBAY_DATA: dataDir }, 60_000);
      try {
        expect(runner.stdout()).not.toMatch(/Seeded/);
        expect(await getJson(`${runner.url}/api/pipelines`)).toEqual([]);
      } finally {
        await stop(runner);
      }
      expect(fs.existsSync(path.join(dataDir, 'patchbay.config.json'))).toBe(false);
    }
  });

  it('a data dir that holds any file is not seeded, and the file is left alone', async () => {
    const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
    fs.writeFileSync(path.join(dataDir, 'notes.txt'), 'mine');
    const { seedDemo } = await import('../../apps/runner/src/demo/seed-demo');
    const outcome = await seedDemo(dataDir);
    expect(outcome).toEqual({ seeded: false, reason: expect.stringContaining('not empty') });
    expect(fs.readdirSync(dataDir)).toEqual(['notes.txt']);
    // Nothing of the attempt is left beside it either.
    expect(fs.readdirSync(tmp).filter((f) => f.includes('.demo-'))).toEqual([]);
  });
});
