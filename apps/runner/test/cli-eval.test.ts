import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, pipelineDoc, runCli, startCli, workspace } from './cli-child';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';

// Pipelines whose code node decides each case: v1 passes c0..c10, v2 passes all but c10.
// Against v1, v2 has 1 regressed and 9 improved cases: exact McNemar p = 0.021484375.
const lookup = (code: string) =>
  pipelineDoc('lookup', [
    { id: 'question', type: 'input', config: { name: 'question', valueType: 'string' } },
    // A generous timeout: the cases are decided by the code, never by a sandbox slowed by a busy machine.
    { id: 'decide', type: 'code', config: { code, timeoutMs: 30_000 } },
    { id: 'answer', type: 'output', config: { name: 'answer' } },
  ], ['question.value -> decide.value', 'decide.value -> answer.value']);
const v1 = lookup("return Number(value.slice(1)) <= 10 ? 'ok' : 'bad'");
const v2 = lookup("return value === 'c10' ? 'bad' : 'ok'");
const cases = Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: `c${i}`, input: { question: `c${i}` }, expected: 'ok' })).join('\n');
const suite = 'format: patchbay.eval/v1\ndataset: cases.jsonl\nscorers:\n  - {name: exact, type: exact}\n';

let ws: ReturnType<typeof workspace>;
const env = () => cleanEnv({ PATCHBAY_DATA: path.join(ws.dir, 'data') });
const cli = (args: string[]) => runCli(args, ws.dir, env());
const json = (file: string) => JSON.parse(readFileSync(path.join(ws.dir, file), 'utf8'));

beforeAll(async () => {
  ws = workspace({ 'v1.json': v1, 'v2.json': v2, 'cases.jsonl': cases, 'suite.yaml': suite });
  // The baseline every gate test compares with.
  const r = await cli(['eval', 'v1.json', '--suite', 'suite.yaml', '--out', 'v1.result.json']);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => ws?.remove());

describe('patchbay eval', () => {
  it('writes the result JSON, JUnit and Markdown; progress on stderr, the summary on stdout', async () => {
    const r = await cli(['eval', 'v2.json', '--suite', 'suite.yaml', '--out', 'v2.result.json', '--junit', 'v2.xml', '--markdown', 'v2.md', '--baseline', 'v1.result.json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^\[20\/20\] c\d+ (passed|failed)/m);
    expect(r.stderr).toContain('c10 failed (');
    expect(r.stdout).toMatch(/exact\s+0\.950\s+\[/);
    expect(r.stdout).toMatch(/regressed \(1\): c10/);
    expect(r.stdout).toContain('0.0215');

    const result = json('v2.result.json');
    expect(Object.keys(result)).toEqual(expect.arrayContaining(['suite', 'pipeline', 'dataset', 'startedAt', 'finishedAt', 'summary', 'cases', 'comparison']));
    expect(result.pipeline).toMatchObject({ name: 'lookup' });
    expect(result.dataset).toMatchObject({ cases: 20 });
    expect(result.dataset.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.summary).toMatchObject({ cases: 20, passed: 19, failed: 1, errors: 0 });
    expect(result.summary.scorers.exact).toMatchObject({ mean: 0.95, passRate: 0.95 });
    expect(result.summary.scorers.exact.ci).toHaveLength(2);
    expect(result.cases).toHaveLength(20);
    expect(result.cases[10]).toMatchObject({ id: 'c10', repeat: 1, status: 'failed', outputs: { answer: 'bad' }, scores: { exact: { score: 0, pass: false } } });
    expect(result.cases[0]).toHaveProperty('latencyMs');
    expect(result.cases[0]).toHaveProperty('tokens');
    expect(result.cases[0]).toHaveProperty('costUsd');
    expect(result.comparison).toMatchObject({
      baseline: 'v1.result.json',
      scorers: { exact: { pValue: 0.021484375, test: 'mcnemar-exact' } },
      regressed: ['c10'],
      improved: ['c11', 'c12', 'c13', 'c14', 'c15', 'c16', 'c17', 'c18', 'c19'],
      onlyInBaseline: [],
      onlyInCurrent: [],
    });
    expect(result.comparison.scorers.exact.delta).toBeCloseTo(0.4, 10);
    expect(result.comparison.unchanged).toHaveLength(10);

    const xml = readFileSync(path.join(ws.dir, 'v2.xml'), 'utf8');
    expect(xml).toContain('<testsuite name="suite" tests="20" failures="1" errors="0"');
    expect(xml).toMatch(/<testcase classname="suite.lookup" name="c10" time="[\d.]+">\s*<failure message="exact: expected &quot;ok&quot;, got &quot;bad&quot;"/);
    const md = readFileSync(path.join(ws.dir, 'v2.md'), 'utf8');
    expect(md).toContain('| exact | 0.950 |');
    expect(md).toContain('Regressed (1): `c10`');
    // Finished runs leave no partial file behind.
    expect(existsSync(path.join(ws.dir, 'v2.result.json.partial.jsonl'))).toBe(false);
  });

  it('gates: exit 1 when one fails, 0 when all pass (flags and suite)', async () => {
    const [regression, passRate] = await Promise.all([
      cli(['eval', 'v2.json', '--suite', 'suite.yaml', '--out', 'g1.json', '--baseline', 'v1.result.json', '--fail-on', 'regression']),
      cli(['eval', 'v2.json', '--suite', 'suite.yaml', '--out', 'g2.json', '--min-pass-rate', '0.9']),
    ]);
    expect(regression.code).toBe(1);
    // The comparison names the regressed case; the gate's line counts it rather than naming it again.
    expect(regression.stdout).toContain('regressed (1): c10');
    expect(regression.stdout).toContain('gate FAIL  fail-on regression: 1 case regressed (listed above)');
    expect(regression.stdout.match(/\bc10\b/g)).toHaveLength(1);
    // The result file keeps the gate's own message, with the ids.
    expect(json('g1.json').gates.checks[0]).toEqual({ gate: 'fail-on regression', passed: false, message: '1 case regressed: c10' });
    expect(passRate.code).toBe(0);
    expect(passRate.stdout).toContain('gate PASS  min-pass-rate 0.9');

    // v1 against v2 as the baseline: "exact" dropped by 0.4 with p ≈ 0.021.
    writeFileSync(path.join(ws.dir, 'gated.yaml'), suite + 'gate:\n  maxDrop: {exact: 0.1}\n');
    const [drop, loose] = await Promise.all([
      cli(['eval', 'v1.json', '--suite', 'gated.yaml', '--out', 'g3.json', '--baseline', 'g1.json']),
      cli(['eval', 'v1.json', '--suite', 'gated.yaml', '--out', 'g4.json', '--baseline', 'g1.json', '--max-drop', 'exact=0.5']),
    ]);
    expect(drop.code).toBe(1);
    expect(drop.stdout).toMatch(/gate FAIL  max-drop exact=0.1: mean -0\.4000 \(p = 0\.0215, mcnemar-exact\): dropped by more than 0\.1/);
    expect(loose.code).toBe(0);
  });

  it('bad input exits 2 with the reason on one line', async () => {
    writeFileSync(path.join(ws.dir, 'dup.jsonl'), cases + '\n' + JSON.stringify({ id: 'c3', input: { question: 'c3' } }));
    writeFileSync(path.join(ws.dir, 'dup.yaml'), suite.replace('cases.jsonl', 'dup.jsonl'));
    writeFileSync(path.join(ws.dir, 'badscorer.yaml'), suite.replace('type: exact', 'type: exactly'));
    writeFileSync(path.join(ws.dir, 'protoname.yaml'), suite.replace('name: exact,', 'name: __proto__,'));
    // A "__proto__" key, refused over the API, set the prototype of what zod copied it into: the gate vanished unseen.
    writeFileSync(path.join(ws.dir, 'protogate.yaml'), suite + 'gate: {maxDrop: {__proto__: 0.1}}\n');
    writeFileSync(path.join(ws.dir, 'proto.json'), JSON.stringify(v1).replace('"config":{"code"', '"config":{"__proto__":{"timeoutMs":5},"code"'));
    writeFileSync(path.join(ws.dir, 'badtarget.yaml'), suite.replace('type: exact}', 'type: exact, target: node:nope.value}'));
    writeFileSync(path.join(ws.dir, 'notresult.json'), '{"hello": 1}');
    // Fields of the wrong type are named in plain words, not zod's ("Invalid input: expected array, received string").
    writeFileSync(path.join(ws.dir, 'textscorers.yaml'), 'format: patchbay.eval/v1\ndataset: cases.jsonl\nscorers: exact\n');
    writeFileSync(path.join(ws.dir, 'textrepeat.yaml'), suite + 'repeat: "2"\n');
    // An empty suite file (a new file not saved yet, a truncated copy) is said to be empty, not "must be an object (it is null)".
    writeFileSync(path.join(ws.dir, 'empty.yaml'), '\n  \n');
    writeFileSync(path.join(ws.dir, 'broken.json'), JSON.stringify({ ...v1, edges: [] }));
    writeFileSync(path.join(ws.dir, 'bad.config.json'), JSON.stringify({ providers: { stub: { baseURL: 5 } }, scripted: 'x' }));
    // Models the workspace cannot call are refused before any case runs, not failed case by case.
    const asking = (model: string) => pipelineDoc('asking', [
      { id: 'question', type: 'input', config: { name: 'question', valueType: 'string' } },
      { id: 'reply', type: 'llm', config: { model, prompt: '{{ question }}' } },
      { id: 'answer', type: 'output', config: { name: 'answer' } },
    ], ['question.value -> reply.question', 'reply.text -> answer.value']);
    writeFileSync(path.join(ws.dir, 'nokey.json'), JSON.stringify(asking('fireworks:accounts/fireworks/models/llama-v3p1-8b-instruct')));
    writeFileSync(path.join(ws.dir, 'noprovider.json'), JSON.stringify(asking('acme:big-model')));
    writeFileSync(path.join(ws.dir, 'judge.yaml'), suite.replace('type: exact}', 'type: exact}\n  - {name: judge, type: llm-judge, params: {model: "acme:judge", rubric: "is it ok?"}}'));
    const checks: Array<[string[], RegExp]> = [
      [['eval', 'v1.json'], /--suite FILE is required \(a patchbay.eval\/v1 suite\)/],
      [['eval', 'v1.json', '--suite', 'dup.yaml'], /duplicate case id "c3" on lines 4 and 21/],
      [['eval', 'v1.json', '--suite', 'badscorer.yaml'], /scorers\[0\]\.type: unknown scorer type "exactly"/],
      [['eval', 'v1.json', '--suite', 'protoname.yaml'], /^patchbay eval: \S*protoname\.yaml: scorers\[0\]\.name: a scorer cannot be named "__proto__" \(its name is a key of each case's scores and of the summary\); give it another name\n$/],
      [['eval', 'v1.json', '--suite', 'protogate.yaml'], /^patchbay eval: \S*protogate\.yaml: gate\.maxDrop: the key "__proto__" is not accepted in JSON \(it would set an object's prototype\)\n$/],
      [['eval', 'proto.json', '--suite', 'suite.yaml'], /^patchbay eval: proto\.json: \$\.nodes\[1\]\.config: the key "__proto__" is not accepted in JSON \(it would set an object's prototype\)\n$/],
      [['eval', 'v1.json', '--suite', 'badtarget.yaml'], /target node:nope\.value: no node "nope"/],
      [['eval', 'v1.json', '--suite', 'textscorers.yaml'], /textscorers\.yaml: scorers: must be a list \(it is text\)\n$/],
      [['eval', 'v1.json', '--suite', 'textrepeat.yaml'], /textrepeat\.yaml: repeat: must be a number \(it is text\)\n$/],
      [['eval', 'v1.json', '--suite', 'empty.yaml'], /^patchbay eval: \S*empty\.yaml: the file is empty; a suite names its dataset and scorers \(format: patchbay\.eval\/v1\)\n$/],
      [['eval', 'broken.json', '--suite', 'suite.yaml'], /broken\.json is not a valid pipeline/],
      [['eval', 'v1.json', '--suite', 'suite.yaml', '--fail-on', 'regression'], /--fail-on regression needs --baseline/],
      [['eval', 'v1.json', '--suite', 'suite.yaml', '--baseline', 'notresult.json'], /notresult\.json: not an eval result/],
      [['eval', 'v1.json', '--suite', 'suite.yaml', '--max-drop', 'exact'], /--max-drop must be SCORER=DELTA/],
      // A report path that is a directory is refused before the cases run, not after with EISDIR.
      [['eval', 'v1.json', '--suite', 'suite.yaml', '--out', '.'], /^patchbay eval: --out \S+ is a directory; give the path of a file\n$/],
      [['eval', 'v1.json', '--suite', 'suite.yaml', '--out', 'd.result.json', '--junit', '.'], /^patchbay eval: --junit \S+ is a directory; give the path of a file\n$/],
      [['eval', 'v1.json', '--suite', 'suite.yaml', '--out', 'd.result.json', '--markdown', '.'], /--markdown \S+ is a directory/],
      [['eval', 'nokey.json', '--suite', 'suite.yaml', '--out', 'nokey.result.json'], /node "reply": set FIREWORKS_API_KEY to use fireworks:accounts\/fireworks\/models\/llama-v3p1-8b-instruct/],
      [['eval', 'noprovider.json', '--suite', 'suite.yaml'], /node "reply": unknown model provider "acme" in "acme:big-model".*ACME_BASE_URL/],
      [['eval', 'v1.json', '--suite', 'judge.yaml'], /scorer "judge": unknown model provider "acme"/],
      // A bad workspace config names every problem, one line each, not only the first.
      [['eval', 'v1.json', '--suite', 'suite.yaml', '--config', 'bad.config.json'], /bad\.config\.json: providers\.stub\.baseURL: .+\n.*bad\.config\.json: scripted: /],
    ];
    // Four at a time: fifteen CLI processes at once on two cores share one workspace and crowd each other out.
    const results: Awaited<ReturnType<typeof cli>>[] = [];
    for (let i = 0; i < checks.length; i += 4) results.push(...(await Promise.all(checks.slice(i, i + 4).map(([args]) => cli(args)))));
    results.forEach((r, i) => {
      expect(r.code, `${checks[i][0].join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(checks[i][1]);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
    // Nothing ran: no partial file, no result.
    expect(existsSync(path.join(ws.dir, 'nokey.result.json'))).toBe(false);
    expect(existsSync(path.join(ws.dir, 'nokey.result.json.partial.jsonl'))).toBe(false);
    expect(existsSync(path.join(ws.dir, 'd.result.json.partial.jsonl'))).toBe(false);
  }, 120_000);

  it('refuses an output path that names an input (dataset, suite, pipeline, baseline) or another output, before any case runs; the files stay as they were', async () => {
    const before = ['cases.jsonl', 'suite.yaml', 'v1.json', 'v1.result.json'].map((f) => readFileSync(path.join(ws.dir, f), 'utf8'));
    const checks: Array<[string[], string]> = [
      [['--out', 'cases.jsonl'], '--out cases.jsonl is the dataset'],
      [['--out', './suite.yaml'], '--out ./suite.yaml is the suite'],
      [['--out', 'o.json', '--junit', 'v1.json'], '--junit v1.json is the pipeline'],
      [['--out', 'o.json', '--baseline', 'v1.result.json', '--markdown', 'v1.result.json'], '--markdown v1.result.json is the baseline'],
      [['--out', 'o.json', '--junit', 'o.json'], '--junit o.json is the --out file'],
      [['--out', 'o.json', '--junit', 'r.xml', '--markdown', 'r.xml'], '--markdown r.xml is the --junit file'],
    ];
    const results: Awaited<ReturnType<typeof cli>>[] = [];
    for (let i = 0; i < checks.length; i += 3) results.push(...(await Promise.all(checks.slice(i, i + 3).map(([args]) => cli(['eval', 'v1.json', '--suite', 'suite.yaml', ...args])))));
    results.forEach((r, i) => {
      expect(r.code, `${checks[i][0].join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toBe(`patchbay eval: ${checks[i][1]}; name another file\n`);
    });
    expect(['cases.jsonl', 'suite.yaml', 'v1.json', 'v1.result.json'].map((f) => readFileSync(path.join(ws.dir, f), 'utf8'))).toEqual(before);
    expect(existsSync(path.join(ws.dir, 'o.json.partial.jsonl'))).toBe(false);
    // Rolling a baseline forward (--out names the --baseline file) is allowed: the baseline is read first.
    writeFileSync(path.join(ws.dir, 'rolling.json'), before[3]);
    const rolled = await cli(['eval', 'v1.json', '--suite', 'suite.yaml', '--baseline', 'rolling.json', '--out', 'rolling.json']);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(json('rolling.json').comparison.baseline).toBe('rolling.json');
  }, 120_000);

  it('says where it looked when cases fail for an index or tool the data dir lacks (an eval run from another folder), as patchbay run does', async () => {
    writeFileSync(path.join(ws.dir, 'search.json'), JSON.stringify(pipelineDoc('search', [
      { id: 'question', type: 'input', config: { name: 'question', valueType: 'string' } },
      { id: 'search', type: 'retrieve', config: { index: 'docs' } },
      { id: 'answer', type: 'output', config: { name: 'answer' } },
    ], ['question.value -> search.query', 'search.documents -> answer.value'])));
    const elsewhere = path.join(ws.dir, 'no-such-data');
    const r = await runCli(['eval', 'search.json', '--suite', 'suite.yaml', '--out', 'search.result.json'], ws.dir, cleanEnv({ PATCHBAY_DATA: elsewhere }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('cases 20: 0 passed, 20 failed (20 errors)');
    // Once, after the cases, however many failed so: the line patchbay run prints for one run.
    const hints = r.stderr.split('\n').filter((l) => l.includes('looked for'));
    expect(hints).toEqual([`patchbay eval: looked for indexes in the data dir ${elsewhere}, which does not exist; pass --data DIR (or set PATCHBAY_DATA) to use another workspace`]);
    expect(existsSync(elsewhere)).toBe(false);
  });
});

describe('Ctrl-C', () => {
  beforeAll(() => {
    // A code node that computes for 20 ms: no case yields to the event loop by itself.
    const busy = lookup('const t = Date.now(); while (Date.now() - t < 20) {} return \'ok\'');
    writeFileSync(path.join(ws.dir, 'busy.json'), JSON.stringify(busy));
    writeFileSync(path.join(ws.dir, 'busy.jsonl'), Array.from({ length: 200 }, (_, i) => JSON.stringify({ id: `b${i}`, input: { question: `b${i}` }, expected: 'ok' })).join('\n'));
    writeFileSync(path.join(ws.dir, 'busy.yaml'), 'format: patchbay.eval/v1\ndataset: busy.jsonl\nconcurrency: 1\nscorers:\n  - {type: exact}\n');
  });

  /** Evaluates the busy pipeline into `out` and sends `signal` once three cases are done. */
  function evalStoppedBy(signal: NodeJS.Signals, out: string) {
    let sent = false;
    return startCli(['eval', 'busy.json', '--suite', 'busy.yaml', '--out', out], {
      cwd: ws.dir, env: env(),
      onStderr: (soFar, child) => { if (!sent && /^\[3\/200\]/m.test(soFar)) { sent = child.kill(signal); } },
    });
  }

  it('stops a run whose pipeline never waits on I/O: exit 130, finished cases kept for --resume', async () => {
    const r = await evalStoppedBy('SIGINT', 'busy.result.json');
    expect(r.code, r.stderr.slice(-500)).toBe(130);
    expect(r.stderr).toContain('stopped: finished cases are kept in');
    expect(existsSync(path.join(ws.dir, 'busy.result.json'))).toBe(false);
    const kept = readFileSync(path.join(ws.dir, 'busy.result.json.partial.jsonl'), 'utf8').trim().split('\n').slice(1);
    expect(kept.length).toBeGreaterThanOrEqual(3);
    expect(kept.length).toBeLessThan(200);
  });

  it('stops the same way on SIGTERM (a CI job\'s timeout, kill): exit 143, finished cases kept, the --out free again', async () => {
    // before: the process ended at once with nothing printed, and left its lock on the partial file
    const r = await evalStoppedBy('SIGTERM', 'term.result.json');
    expect(r.code, r.stderr.slice(-500)).toBe(143);
    expect(r.stderr).toContain('stopped (SIGTERM): finished cases are kept in');
    expect(existsSync(path.join(ws.dir, 'term.result.json.partial.jsonl'))).toBe(true);
    expect(existsSync(path.join(ws.dir, 'term.result.json.partial.jsonl.lock'))).toBe(false);
    // --help names the code a CI job's timeout gets, as patchbay run's and promote's do
    const help = await cli(['eval', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('130 stopped by Ctrl-C, 143 by SIGTERM (finished cases are kept for --resume)');
  });
});

describe('a pipeline from the runner store', () => {
  it('NAME@VERSION (and NAME for the latest) runs a saved version and records its number', async () => {
    const { openSqliteStore } = await import('../src/store/index');
    const { behaviorHash, contentHash } = await import('@patchbay/core');
    const store = openSqliteStore(path.join(ws.dir, 'data'));
    for (const [doc, base] of [[v1, null], [v2, 1]] as const) {
      const saved = await store.versions.save({ pipeline: 'lookup', document: doc, message: 'bench', baseVersion: base, contentHash: contentHash(doc), behaviorHash: behaviorHash(doc), problems: [] });
      expect(saved.status).toBe('created');
    }
    await store.close();
    const [first, latest, missing] = await Promise.all([
      cli(['eval', 'lookup@1', '--suite', 'suite.yaml', '--out', 's1.json']),
      cli(['eval', 'lookup', '--suite', 'suite.yaml', '--out', 's2.json']),
      cli(['eval', 'lookup@9', '--suite', 'suite.yaml', '--out', 's3.json']),
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(json('s1.json').pipeline).toMatchObject({ name: 'lookup', version: 1 });
    expect(json('s1.json').summary.passed).toBe(11);
    expect(latest.code, latest.stderr).toBe(0);
    expect(json('s2.json').pipeline).toMatchObject({ name: 'lookup', version: 2 });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no version 9 of pipeline "lookup"/);
  });
});

describe('patchbay compare', () => {
  it('prints per-scorer deltas, p-values and why cases regressed; --json gives the comparison', async () => {
    const r = await cli(['compare', 'v1.result.json', 'v2.result.json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/exact\s+0\.550\s+0\.950\s+\+0\.400\s+\[[\d.]+, [\d.]+\]\s+0\.0215\s+mcnemar-exact\s+better/);
    expect(r.stdout).toContain('c10: exact: expected "ok", got "bad"');
    // Each regressed case is named once, with why; the comparison counts them.
    expect(r.stdout).toContain('regressed (1): each below, with why\n');
    expect(r.stdout.match(/\bc10\b/g)).toHaveLength(1);
    const j = await cli(['compare', 'v1.result.json', 'v2.result.json', '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ scorers: { exact: { pValue: 0.021484375 } }, regressed: ['c10'] });
  });

  it('says why a gate of the suite that compares was skipped without --baseline, not "SKIP … skipped: no baseline"', async () => {
    writeFileSync(path.join(ws.dir, 'failon.yaml'), suite + 'gate:\n  failOn: regression\n  maxDrop: {exact: 0.1}\n');
    const r = await cli(['eval', 'v2.json', '--suite', 'failon.yaml', '--out', 'g6.json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('gate SKIP  fail-on regression: no --baseline was given, so there is nothing to compare with\n');
    expect(r.stdout).toContain('gate SKIP  max-drop exact=0.1: no --baseline was given, so there is nothing to compare with\n');
    expect(r.stdout).not.toContain('skipped');
  });

  it('compare applies the gates eval and promote apply, case by case: one regressed case fails fail-on regression though the paired verdict is "better"', async () => {
    const [regression, passRate, drop, asJson] = await Promise.all([
      cli(['compare', 'v1.result.json', 'v2.result.json', '--fail-on', 'regression']),
      cli(['compare', 'v1.result.json', 'v2.result.json', '--min-pass-rate', '0.9']),
      cli(['compare', 'v2.result.json', 'v1.result.json', '--max-drop', 'exact=0.1']),
      cli(['compare', 'v1.result.json', 'v2.result.json', '--fail-on', 'regression', '--json']),
    ]);
    expect(regression.code, regression.stderr).toBe(1);
    expect(regression.stdout).toMatch(/mcnemar-exact\s+better/);
    expect(regression.stdout).toContain('gate FAIL  fail-on regression: 1 case regressed (listed above)');
    expect(passRate.code, passRate.stderr).toBe(0);
    expect(passRate.stdout).toContain('gate PASS  min-pass-rate 0.9: pass rate 95.0% (19/20) ≥ 90.0%');
    expect(drop.code, drop.stderr).toBe(1);
    expect(drop.stdout).toContain('gate FAIL  max-drop exact=0.1: mean -0.4000 (p = 0.0215, mcnemar-exact): dropped by more than 0.1');
    // --json prints the comparison as before; the exit code says the gate failed.
    expect(asJson.code).toBe(1);
    expect(Object.keys(JSON.parse(asJson.stdout)).sort()).toEqual(['baseline', 'improved', 'onlyInBaseline', 'onlyInCurrent', 'regressed', 'scorers', 'unchanged', 'warnings']);
    const unknown = await cli(['compare', 'v1.result.json', 'v2.result.json', '--max-drop', 'exactly=0.1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('patchbay compare: --max-drop exactly: "exactly" is not a scorer of both results, so it is not compared (compared: exact)\n');
    // A scorer only the current result has (v1 of the demo has no found-doc) is named the same way, not as no scorer at all.
    const v1 = json('v1.result.json');
    writeFileSync(path.join(ws.dir, 'two-scorers.result.json'), JSON.stringify({ ...v1, cases: v1.cases.map((c: { scores: object }) => ({ ...c, scores: { ...c.scores, found: { score: 1, pass: true } } })) }));
    const onlyOne = await cli(['compare', 'v1.result.json', 'two-scorers.result.json', '--max-drop', 'found=0.1']);
    expect(onlyOne.code).toBe(2);
    expect(onlyOne.stderr).toBe('patchbay compare: --max-drop found: "found" is not a scorer of both results, so it is not compared (compared: exact)\n');
  });

  it('refuses a baseline that shares no case id with the dataset before any case runs (exit 2), as compare and POST /api/evals do', async () => {
    const other = json('v1.result.json');
    other.cases = other.cases.map((c: { id: string }) => ({ ...c, id: `elsewhere-${c.id}` }));
    writeFileSync(path.join(ws.dir, 'elsewhere.result.json'), JSON.stringify(other));
    const r = await cli(['eval', 'v2.json', '--suite', 'suite.yaml', '--out', 'g5.json', '--baseline', 'elsewhere.result.json', '--fail-on', 'regression']);
    expect(r.code, r.stdout).toBe(2);
    expect(r.stderr).toBe(`patchbay eval: elsewhere.result.json shares no case id with the dataset ${path.join(ws.dir, 'cases.jsonl')}: there is nothing to pair (was it run on another dataset?)\n`);
    // Nothing ran: no result, and no partial file to resume.
    expect(existsSync(path.join(ws.dir, 'g5.json'))).toBe(false);
    expect(readdirSync(ws.dir).filter((f) => f.startsWith('g5.json'))).toEqual([]);
    // One shared case is enough to pair, and the gate judges it.
    other.cases[0].id = json('v1.result.json').cases[0].id;
    writeFileSync(path.join(ws.dir, 'elsewhere.result.json'), JSON.stringify(other));
    const paired = await cli(['eval', 'v2.json', '--suite', 'suite.yaml', '--out', 'g5.json', '--baseline', 'elsewhere.result.json', '--fail-on', 'regression']);
    expect([0, 1]).toContain(paired.code);
    expect(paired.stdout).toMatch(/gate (PASS|FAIL) {2}fail-on regression/);
  });

  it('takes --repeat and --concurrency in digits only: 0x2, 1e1 or 2.0 is exit 2 in one line, not read as 2, 10 or 2', async () => {
    for (const [flag, text, range] of [['--repeat', '0x2', '1 to 100'], ['--repeat', '2.0', '1 to 100'], ['--concurrency', '1e1', '1 to 256'], ['--concurrency', '0', '1 to 256']]) {
      const r = await cli(['eval', 'v1.json', '--suite', 'suite.yaml', '--out', 'loose.result.json', flag, text]);
      expect(r.code, `${flag} ${text}`).toBe(2);
      expect(r.stderr).toBe(`patchbay eval: ${flag} must be an integer from ${range}, got "${text}"\n`);
    }
    expect(existsSync(path.join(ws.dir, 'loose.result.json'))).toBe(false);
  });

  it('refuses a dataset whose expected objects a text scorer would compare as JSON: exit 2, one line naming the case', async () => {
    writeFileSync(path.join(ws.dir, 'objects.jsonl'), JSON.stringify({ id: 'o1', input: { question: 'c1' }, expected: { answer: 'ok', doc: 'd' } }) + '\n');
    writeFileSync(path.join(ws.dir, 'objects.yaml'), 'format: patchbay.eval/v1\ndataset: objects.jsonl\nscorers:\n  - {name: exact, type: exact}\n');
    const r = await cli(['eval', 'v1.json', '--suite', 'objects.yaml', '--out', 'objects.result.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `patchbay eval: ${path.join(ws.dir, 'objects.jsonl')}:1: case "o1": scorer "exact" (exact) compares text, but the expected value is an object (answer, doc): name the field to compare with as the scorer's "expectedKey", e.g. "expectedKey": "answer"\n`,
    );
    expect(existsSync(path.join(ws.dir, 'objects.result.json'))).toBe(false);
    writeFileSync(path.join(ws.dir, 'objects.yaml'), 'format: patchbay.eval/v1\ndataset: objects.jsonl\nscorers:\n  - {name: exact, type: exact, expectedKey: answer}\n');
    const keyed = await cli(['eval', 'v1.json', '--suite', 'objects.yaml', '--out', 'objects.result.json']);
    expect(keyed.code, keyed.stderr).toBe(0);
    expect(json('objects.result.json').cases[0].scores.exact).toMatchObject({ score: 1, pass: true });
  });

  it('refuses two results with no case in common (exit 2), as the API does', async () => {
    const other = json('v1.result.json');
    other.cases = other.cases.map((c: { id: string }) => ({ ...c, id: `other-${c.id}` }));
    writeFileSync(path.join(ws.dir, 'other.result.json'), JSON.stringify(other));
    const r = await cli(['compare', 'v1.result.json', 'other.result.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/share no case id/);
  });

  it('refuses a file that is missing or not an eval result with exit 2 and one line naming it', async () => {
    writeFileSync(path.join(ws.dir, 'not-a-result.json'), JSON.stringify({ hello: 'world' }));
    const [missing, wrong] = await Promise.all([
      cli(['compare', 'nowhere.json', 'v1.result.json']),
      cli(['compare', 'v1.result.json', 'not-a-result.json']),
    ]);
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/nowhere\.json: no such file/);
    expect(wrong.code, wrong.stderr).toBe(2);
    expect(wrong.stderr).toMatch(/not-a-result\.json: not an eval result/);
  });

  it('says which Patchbay file was given instead of a result (a suite, a pipeline) and what to give, in plain words', async () => {
    writeFileSync(path.join(ws.dir, 'suite.json'), JSON.stringify({ format: 'patchbay.eval/v1', dataset: 'cases.jsonl', scorers: [{ type: 'exact' }] }));
    writeFileSync(path.join(ws.dir, 'no-suite.result.json'), JSON.stringify({ ...json('v1.result.json'), suite: undefined }));
    const [suiteFile, pipelineFile, baseline, field] = await Promise.all([
      cli(['compare', 'v1.result.json', 'suite.json']),
      cli(['compare', 'v1.json', 'v1.result.json']),
      cli(['eval', 'v2.json', '--suite', 'suite.yaml', '--baseline', 'suite.json']),
      cli(['compare', 'v1.result.json', 'no-suite.result.json']),
    ]);
    const give = 'give the .json file patchbay eval --out wrote';
    for (const r of [suiteFile, pipelineFile, baseline, field]) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).not.toMatch(/Invalid input|expected string, received/);
    }
    expect(suiteFile.stderr).toContain(`suite.json: a patchbay.eval/v1 file (a suite), not an eval result: ${give}`);
    expect(baseline.stderr).toContain(`suite.json: a patchbay.eval/v1 file (a suite), not an eval result: ${give}`);
    expect(pipelineFile.stderr).toContain(`v1.json: a patchbay.pipeline/v1 file (a pipeline), not an eval result: ${give}`);
    expect(field.stderr).toContain('no-suite.result.json: not an eval result (suite is required)');
  });
});

describe('against an OpenAI-compatible stub model', () => {
  let stub: OpenAIStub;
  beforeAll(async () => { stub = await startOpenAIStub({ latencyMs: 60 }); });
  afterAll(async () => { await stub?.close(); });

  const llmDoc = (name: string) => JSON.stringify(pipelineDoc(name, [
    { id: 'question', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'reply', type: 'llm', config: { model: 'stub:m', prompt: '{{ question }}', temperature: 0 } },
    { id: 'answer', type: 'output', config: { name: 'answer' } },
  ], ['question.value -> reply.question', 'reply.text -> answer.value']));

  it('goes through the response cache: a re-run asks the model nothing, --no-cache asks again', async () => {
    writeFileSync(path.join(ws.dir, 'stub.config.json'), JSON.stringify({ providers: { stub: { baseURL: stub.url } } }));
    writeFileSync(path.join(ws.dir, 'cached.json'), llmDoc('cached-llm'));
    writeFileSync(path.join(ws.dir, 'cached.jsonl'), Array.from({ length: 4 }, (_, i) => JSON.stringify({ id: `k${i}`, input: { question: `cache me ${i}` }, expected: `cache me ${i}` })).join('\n'));
    writeFileSync(path.join(ws.dir, 'cached.yaml'), 'format: patchbay.eval/v1\ndataset: cached.jsonl\nscorers:\n  - {type: exact}\n');
    const args = ['eval', 'cached.json', '--suite', 'cached.yaml', '--config', 'stub.config.json'];
    const asked = async (extra: string[]) => {
      const before = stub.requests.length;
      const r = await runCli([...args, ...extra], ws.dir, env());
      expect(r.code, r.stderr).toBe(0);
      return stub.requests.length - before;
    };
    expect(await asked(['--out', 'cached1.json'])).toBe(4);
    expect(await asked(['--out', 'cached2.json'])).toBe(0);
    expect(json('cached2.json').summary).toMatchObject({ cases: 4, passed: 4 });
    expect(await asked(['--out', 'cached3.json', '--no-cache'])).toBe(4);
  });

  it('a run killed with SIGKILL continues with --resume: every case once, finished ones not redone', async () => {
    const n = 30;
    writeFileSync(path.join(ws.dir, 'stub.config.json'), JSON.stringify({ providers: { stub: { baseURL: stub.url } } }));
    writeFileSync(path.join(ws.dir, 'llm.json'), llmDoc('one-llm'));
    writeFileSync(path.join(ws.dir, 'echo.jsonl'), Array.from({ length: n }, (_, i) => JSON.stringify({ id: `e${i}`, input: { question: `question ${i}` }, expected: `question ${i}` })).join('\n'));
    writeFileSync(path.join(ws.dir, 'echo.yaml'), 'format: patchbay.eval/v1\ndataset: echo.jsonl\nconcurrency: 2\nscorers:\n  - {type: exact}\n');
    const args = ['eval', 'llm.json', '--suite', 'echo.yaml', '--out', 'echo.result.json', '--config', 'stub.config.json', '--no-cache'];

    const killed = await startCli(args, {
      cwd: ws.dir, env: env(),
      onStderr: (soFar, child) => { if (/^\[8\/30\]/m.test(soFar)) child.kill('SIGKILL'); },
    });
    expect(killed.signal).toBe('SIGKILL');
    const partial = readFileSync(path.join(ws.dir, 'echo.result.json.partial.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l));
    const done = partial.map((r: { id: string }) => r.id);
    expect(done.length).toBeGreaterThanOrEqual(8);
    expect(done.length).toBeLessThan(n);

    const before = stub.requests.length;
    const resumed = await runCli([...args, '--resume'], ws.dir, env());
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resuming: ${done.length} case run(s) already done`);
    const asked = stub.requests.slice(before).map((r) => r.body.messages.at(-1).content);
    expect(asked).toHaveLength(n - done.length);
    for (const id of done) expect(asked).not.toContain(`question ${id.slice(1)}`);

    const result = json('echo.result.json');
    expect(result.cases.map((c: { id: string }) => c.id)).toEqual(Array.from({ length: n }, (_, i) => `e${i}`));
    expect(result.summary).toMatchObject({ cases: n, passed: n });
  });
});
