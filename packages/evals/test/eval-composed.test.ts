// An eval of a pipeline that calls another: a scorer can read a node inside the child run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineDocument, PipelineResolver } from '@patchbay/core';
import { createServices, type WorkspaceServices } from '@patchbay/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEval } from '../src/eval-runner';
import { MemoryCaseLog, collectResult } from '../src/result-file';
import { parseSuite } from '../src/suite';
import { TargetError } from '../src/targets';
import { shoutPipeline } from './support/pipelines';

let dir: string;
let services: WorkspaceServices;

/** One stored pipeline, as the runner's store would resolve it. */
const store: PipelineResolver = {
  async resolve(ref) {
    return ref === 'shout@v1' ? { name: 'shout', version: 1, document: shoutPipeline } : { error: `there is no pipeline "${ref}"` };
  },
};

const parent: PipelineDocument = {
  format: 'patchbay.pipeline/v1',
  name: 'wrapper',
  nodes: [
    { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'inner', type: 'pipeline', config: { ref: 'shout@v1' } },
    { id: 'out', type: 'template', config: { template: '[{{ a }}]' } },
    { id: 'answer', type: 'output', config: { name: 'answer' } },
  ],
  edges: [
    { from: 'q.value', to: 'inner.question' },
    { from: 'inner.answer', to: 'out.a' },
    { from: 'out.text', to: 'answer.value' },
  ],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pb-eval-composed-'));
  services = await createServices({ dataDir: join(dir, 'data'), env: {} });
  services.pipelines = store;
});
afterAll(async () => {
  await services?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('evals of composed pipelines', () => {
  it('scores a child node through node:PARENT/CHILD.port', async () => {
    const suite = parseSuite(
      {
        format: 'patchbay.eval/v1',
        dataset: [{ id: 'a', input: { question: 'hi' }, expected: 'HI' }],
        scorers: [
          { name: 'inner-upper', type: 'exact', target: 'node:inner/upper.value' },
          { name: 'wrapped', type: 'exact', target: 'answer', params: { value: '[HI]' } },
        ],
      },
      { label: 'suite', baseDir: dir },
    );
    const log = new MemoryCaseLog();
    const head = await runEval({ pipeline: parent, suite, services, log });
    const result = await collectResult(head, log, suite.dataset, 1);
    expect(result.cases[0].status).toBe('passed');
    expect(result.cases[0].scores['inner-upper']).toMatchObject({ pass: true });
    expect(result.cases[0].scores.wrapped).toMatchObject({ pass: true });
  });

  it('refuses a child target under a node that is not a pipeline node', async () => {
    const suite = parseSuite(
      { format: 'patchbay.eval/v1', dataset: [{ id: 'a', input: { question: 'hi' } }], scorers: [{ name: 's', type: 'contains', target: 'node:out/x.value', params: { value: 'x' } }] },
      { label: 'suite', baseDir: dir },
    );
    await expect(runEval({ pipeline: parent, suite, services, log: new MemoryCaseLog() })).rejects.toThrow(TargetError);
  });
});
