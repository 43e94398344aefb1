import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectDataset } from '../src/dataset';
import { loadSuite, SuiteError } from '../src/suite';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'pb-suite-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

async function suiteFile(name: string, text: string) {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('eval suites', () => {
  it('reads YAML: dataset relative to the suite, defaults, gate', async () => {
    const path = await suiteFile('support.eval.yaml', `
format: patchbay.eval/v1
dataset: data/cases.jsonl
scorers:
  - { name: mentions-answer, type: contains, target: answer }
  - { type: retrieval-hit, target: node:search.documents }
  - { type: levenshtein, threshold: 0.6 }
gate:
  failOn: regression
  maxDrop: { mentions-answer: 0.05 }
`);
    const suite = await loadSuite(path);
    expect(suite.name).toBe('support');
    expect(suite.dataset).toEqual({ path: join(dir, 'data/cases.jsonl') });
    expect(suite.repeat).toBe(1);
    expect(suite.concurrency).toBe(8);
    expect(suite.scorers.map((s) => s.name)).toEqual(['mentions-answer', 'retrieval-hit', 'levenshtein']);
    expect(suite.scorers[0].params).toEqual({ mode: 'any', ignoreCase: false });
    expect(suite.gate).toEqual({ failOn: 'regression', maxDrop: { 'mentions-answer': 0.05 } });
  });

  it('reads JSON with inline cases, whose duplicate ids name suite lines', async () => {
    const path = await suiteFile('inline.json', JSON.stringify({
      format: 'patchbay.eval/v1',
      dataset: [{ id: 'a', input: { q: 1 } }, { id: 'b', input: { q: 2 } }, { id: 'a', input: { q: 3 } }],
      scorers: [{ type: 'json-valid' }],
    }, null, 2));
    const suite = await loadSuite(path);
    expect('inline' in suite.dataset).toBe(true);
    await expect(inspectDataset(suite.dataset)).rejects.toThrow(/duplicate case id "a" on lines 4 and 16/);
  });

  it('refuses with the path of the problem', async () => {
    const cases: Array<[string, RegExp]> = [
      ['format: nope\ndataset: x.jsonl\nscorers: [{type: exact}]', /format: format must be "patchbay.eval\/v1"/],
      ['format: patchbay.eval/v1\ndataset: x.jsonl\nscorers: []', /scorers: a suite needs at least one scorer/],
      ['format: patchbay.eval/v1\ndataset: x.jsonl\nscorers: [{type: exactly}]', /scorers\[0\]\.type: unknown scorer type "exactly"/],
      ['format: patchbay.eval/v1\ndataset: x.jsonl\nscorers: [{type: regex, params: {pattern: "("}}]', /scorers\[0\]\.params\.pattern: Invalid regular expression/],
      ['format: patchbay.eval/v1\ndataset: x.jsonl\nscorers: [{type: numeric, params: {tolerance: -1}}]', /scorers\[0\]\.params\.tolerance: /],
      ['format: patchbay.eval/v1\ndataset: x.jsonl\nscorers: [{type: javascript, params: {code: "return value.output ==="}}]', /scorers\[0\]\.params\.code: code does not parse: Unexpected token/],
      ['format: patchbay.eval/v1\ndataset: x.jsonl\nscorers: [{type: llm-judge, params: {rubric: r}}]', /scorers\[0\]\.params\.model: /],
      ['format: patchbay.eval/v1\ndataset: x.jsonl\nscorers: [{type: exact}, {type: exact}]', /scorers\[1\]\.name: two scorers are named "exact"/],
      ['format: patchbay.eval/v1\ndataset: x.jsonl\nscorers: [{type: exact}]\ngate: {maxDrop: {other: 0.1}}', /gate\.maxDrop\.other: no scorer is named "other"/],
      ['format: patchbay.eval/v1\ndataset: x.jsonl\nscorers: [{type: exact}]\nrepeats: 3', /unknown field "repeats"/],
      ['format: patchbay.eval/v1\ndataset: x.jsonl\nscorers: [{type: exact, target: "node:bad"}]', /scorers\[0\]\.target: /],
      ['format: [unclosed', /:1: not YAML/],
    ];
    for (const [i, [text, error]] of cases.entries()) {
      const path = await suiteFile(`bad-${i}.yaml`, text);
      await expect(loadSuite(path), text).rejects.toThrow(error);
    }
    await expect(loadSuite(join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml: no such file/);
    // A directory given as the suite (--suite evals/ for --suite evals/qa.eval.json): said so, not "EISDIR: illegal operation on a directory, read".
    await expect(loadSuite(dir)).rejects.toThrow(`${dir}: a directory, not a suite file (give the suite's .json or .yaml file)`);
    // A dataset given as the suite (--suite cases.jsonl for --suite suite.json): said so, not the YAML reader's "Unexpected flow-map-start".
    const dataset = await suiteFile('cases.jsonl', '{"id":"c1","input":{"q":"x"},"expected":"x"}\n{"id":"c2","input":{"q":"y"},"expected":"y"}\n');
    await expect(loadSuite(dataset)).rejects.toThrow(`${dataset}: a dataset (one case per line), not a suite file (give the suite's .json or .yaml file, whose "dataset" names this one)`);
    const unnamed = await suiteFile('cases.txt', '{"id":"c1","input":{"q":"x"}}\n{"id":"c2","input":{"q":"y"}}\n');
    await expect(loadSuite(unnamed)).rejects.toThrow(`${unnamed}: a dataset (one case per line)`);
    // An alias bomb (each level ten times the last) is refused by the YAML reader: as a bad suite naming the file.
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (const [prev, name] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f']]) levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`);
    const bomb = await suiteFile('bomb.yaml', `format: patchbay.eval/v1\ndataset: x.jsonl\n${levels.join('\n')}\nscorers: [{type: exact}]`);
    const refused = await loadSuite(bomb).catch((e) => e);
    expect(refused).toBeInstanceOf(SuiteError);
    expect(refused.message).toBe(`${bomb}: not YAML (Excessive alias count indicates a resource exhaustion attack)`);
    // The path is also kept apart, for the runner's JSON path of a 400.
    const bad = await loadSuite(await suiteFile('bad-path.yaml', 'format: patchbay.eval/v1\ndataset: x.jsonl\nscorers: [{type: exact}, {type: regex, params: {pattern: "("}}]')).catch((e) => e);
    expect(bad).toBeInstanceOf(SuiteError);
    expect(bad.path).toBe('scorers[1].params.pattern');
  });

  it('hashes what a resumed run must match: scorers and dataset, not the gate', async () => {
    const base = 'format: patchbay.eval/v1\ndataset: x.jsonl\nscorers: [{type: exact}]\n';
    const a = await loadSuite(await suiteFile('h1.yaml', base));
    const b = await loadSuite(await suiteFile('h2.yaml', base + 'gate: {minPassRate: 0.5}\n'));
    const c = await loadSuite(await suiteFile('h3.yaml', base.replace('exact', 'contains')));
    expect(b.hash).toBe(a.hash);
    expect(c.hash).not.toBe(a.hash);
  });
});
