import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { behaviorHash, contentHash, pipelineRefs, resolvePipelines, validatePipeline, type PipelineDocument } from '@patchbay/core';
import { collectResult, inspectDataset, loadSuite, MemoryCaseLog, readCases, runEval, type EvalCase } from '@patchbay/evals';
import { storeCaseRun } from '../evals/store-case-run';
import type { Store } from '../store/index';
import type { WorkspaceServices } from '@patchbay/core/node';
import { localPins, storedCalls, workspaceKey } from '../workspace/workspace-key';

/** The composed demo (examples/support-triage): a `map` of support-assistant over a list of questions. */
export const TRIAGE_DIR = fileURLToPath(new URL('../../../../examples/support-triage/', import.meta.url));
export const TRIAGE_PIPELINE = 'support-triage';

/**
 * Saves `support-triage` (after support-assistant, which it calls) and scores
 * it on its own small dataset, so the composed pipeline opens with a result,
 * recorded as the support-assistant evals are (seedDemoEvals): its suite saved
 * by name, the result with its scorers and the workspace it ran in (`target`,
 * the data dir the staging dir becomes), so a promotion there reuses it.
 */
export async function seedTriageDemo(store: Store, services: WorkspaceServices, production: number, target: string): Promise<void> {
  // support-triage calls "support-assistant@production": the demo deploys its best version there
  await store.labels.move({ pipeline: 'support-assistant', label: 'production', version: production, by: 'demo', note: 'the demo seeds production at its best version' });
  const raw = JSON.parse(readFileSync(path.join(TRIAGE_DIR, 'pipeline.json'), 'utf8')) as PipelineDocument;
  const lookup = pipelineRefs(raw).length > 0 ? await resolvePipelines(raw, services.pipelines) : undefined;
  const report = validatePipeline(raw, { pipelines: lookup });
  if (!report.valid || !report.document) {
    throw new Error(`demo pipeline support-triage is not valid: ${report.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  }
  const document = report.document;
  const saved = await store.versions.save({
    pipeline: TRIAGE_PIPELINE,
    document,
    message: 'Answer a batch of questions with support-assistant and summarise',
    baseVersion: null,
    contentHash: contentHash(document),
    behaviorHash: behaviorHash(document),
    problems: [],
  });
  if (saved.status !== 'created') throw new Error(`could not save demo pipeline support-triage: ${saved.status}`);

  const suite = await loadSuite(path.join(TRIAGE_DIR, 'suite.json'));
  const info = await inspectDataset(suite.dataset);
  const cases: EvalCase[] = [];
  for await (const { case: c } of readCases(suite.dataset)) cases.push(c);
  await store.datasets.save(TRIAGE_PIPELINE, { hash: info.hash, cases });
  await store.suites.save(TRIAGE_PIPELINE, { name: suite.name, scorers: suite.scorers, repeat: suite.repeat, concurrency: suite.concurrency, seed: suite.seed });
  const log = new MemoryCaseLog();
  const head = await runEval({
    pipeline: document,
    pipelineVersion: saved.version.number,
    suite,
    services,
    log,
    onCaseRun: (run) => storeCaseRun(store.runs, run, document),
  });
  head.dataset = { ...head.dataset, source: `dataset "${TRIAGE_PIPELINE}"` };
  const result = await collectResult(head, log, suite.dataset, suite.repeat);
  const there = { ...services, dataDir: target, config: { ...services.config, configPath: path.join(target, 'patchbay.config.json') } };
  const calls = await storedCalls(document, services.pipelines);
  await store.evals.insertResult(result, {
    pipeline: TRIAGE_PIPELINE,
    version: saved.version.number,
    dataset: TRIAGE_PIPELINE,
    scorers: suite.scorers,
    workspace: workspaceKey(await localPins(there, document, calls.documents), document, calls),
  });
}
