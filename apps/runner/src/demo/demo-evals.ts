import path from 'node:path';
import type { PipelineDocument } from '@patchbay/core';
import type { WorkspaceServices } from '@patchbay/core/node';
import {
  collectResult,
  inspectDataset,
  loadSuite,
  MemoryCaseLog,
  parseTarget,
  readCases,
  runEval,
  toScoreRow,
  type EvalCase,
  type EvalResult,
  type EvalSuite,
  type ScorerSpec,
} from '@patchbay/evals';
import { storeCaseRun } from '../evals/store-case-run';
import { localPins, workspaceKey } from '../workspace/workspace-key';
import type { Store, VersionRecord } from '../store/index';
import { DEMO_DATASET, DEMO_DIR, DEMO_PIPELINE } from './demo-content';

export interface SeededEval {
  id: string;
  version: number;
  result: EvalResult;
}

/**
 * Stores the demo dataset and scores every demo version against it with the
 * real eval runner, each compared with the version before, so the compare
 * view has real differences to show on the first start.
 */
export async function seedDemoEvals(store: Store, services: WorkspaceServices, versions: VersionRecord[], target: string): Promise<SeededEval[]> {
  // The workspace is built in a staging dir and moved to `target`: its evals record the workspace as it is there
  // (the config's relative paths resolve against its file), so a promotion in it reuses them.
  const there = { ...services, dataDir: target, config: { ...services.config, configPath: path.join(target, 'patchbay.config.json') } };
  const suite = await loadSuite(path.join(DEMO_DIR, 'suite.json'));
  const info = await inspectDataset(suite.dataset);
  const cases: EvalCase[] = [];
  for await (const { case: c } of readCases(suite.dataset)) cases.push(c);
  await store.datasets.save(DEMO_DATASET, { hash: info.hash, cases });
  // Saved by name too, so the editor's New eval form can run the demo's suite again.
  await store.suites.save(DEMO_PIPELINE, {
    name: suite.name,
    scorers: suite.scorers,
    repeat: suite.repeat,
    concurrency: suite.concurrency,
    seed: suite.seed,
    ...(suite.gate ? { gate: suite.gate } : {}),
  });

  const seeded: SeededEval[] = [];
  for (const version of versions) {
    const pipeline = version.document as PipelineDocument;
    const previous = seeded.at(-1);
    const log = new MemoryCaseLog();
    const scored = forVersion(suite, pipeline);
    const head = await runEval({
      pipeline,
      pipelineVersion: version.number,
      suite: scored,
      services,
      log,
      baseline: previous && { rows: previous.result.cases.map(toScoreRow), label: previous.id, datasetHash: previous.result.dataset.hash },
      gate: suite.gate,
      // Kept like the runner's eval cases are, so a case opens on the canvas.
      onCaseRun: (run) => storeCaseRun(store.runs, run, pipeline),
    });
    // As the runner's own evals do: name the dataset, not the file it was read from.
    head.dataset = { ...head.dataset, source: `dataset "${DEMO_DATASET}"` };
    const result = await collectResult(head, log, suite.dataset, suite.repeat);
    const id = await store.evals.insertResult(result, {
      pipeline: DEMO_PIPELINE,
      version: version.number,
      dataset: DEMO_DATASET,
      baseline: previous?.id ?? null,
      scorers: scored.scorers,
      // A promotion in the data dir reuses the result while its workspace holds.
      workspace: workspaceKey(await localPins(there, pipeline), pipeline),
    });
    seeded.push({ id, version: version.number, result });
  }
  return seeded;
}

/**
 * v1 has no retrieve node, so the retrieval scorer has nothing to read there:
 * a version is scored by the scorers whose target it has (the eval runner
 * would refuse the whole suite otherwise). Comparisons pair the scorers both sides have.
 */
function forVersion(suite: EvalSuite, pipeline: PipelineDocument): EvalSuite {
  const ids = new Set(pipeline.nodes.map((n) => n.id));
  const applies = (s: ScorerSpec) => {
    if (!s.target) return true;
    const ref = parseTarget(s.target);
    return ref.kind !== 'node' || ids.has(ref.node);
  };
  return { ...suite, scorers: suite.scorers.filter(applies) };
}
