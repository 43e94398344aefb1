import { createRoute, z } from '@hono/zod-openapi';
import type { EvalCase } from '@patchbay/evals';
import { saveDataset } from '../evals/dataset-input';
import { HttpProblem } from '../http/problem';
import { jsonContent, problemResponses } from './common-schemas';
import { DatasetNameSchema } from './datasets';
import type { RouteModule } from './route-module';

const Body = z
  .strictObject({
    fromRuns: z.array(z.string().min(1).max(100)).min(1).max(1000).openapi({ description: 'Run ids; each run becomes a case with its inputs' }),
    expected: z.enum(['none', 'output']).default('none').openapi({ description: '`output`: the run\'s output as a draft expected value; `none`: no expected value' }),
    allowMixedPipelines: z.boolean().default(false).openapi({
      description: 'Take runs of another pipeline than the rest (or than the runs the dataset was made of); without it such a request is refused (400), as one pipeline\'s eval cannot run the others\' inputs',
    }),
  })
  .openapi('CasesFromRuns');

const CasesAdded = z
  .object({
    name: z.string(),
    hash: z.string(),
    caseCount: z.number().int(),
    added: z.number().int(),
    skipped: z.number().int().openapi({ description: 'With `expected: "output"`, the runs given that did not succeed (failed, cancelled, interrupted): they have no output to draft from, so no case was made of them' }),
    skippedRuns: z.array(z.string()).openapi({ description: 'Their ids' }),
  })
  .openapi('CasesAdded');

/** A run's pipeline as a message names it; a run of an inline (unsaved) document has none. */
const pipelineName = (pipeline: string | null | undefined) => (pipeline ? `"${pipeline}"` : 'an unsaved document');

const addCases = createRoute({
  method: 'post',
  path: '/api/datasets/{name}/cases',
  operationId: 'addDatasetCasesFromRuns',
  tags: ['datasets'],
  summary: 'Turn runs into cases of a dataset (a new version)',
  description:
    "Each run becomes a case `run-<run id>` with the run's inputs (and, with `expected: \"output\"`, its output as a draft expected value: a run that failed, was cancelled or interrupted has none and is skipped, counted in `skipped` and named in `skippedRuns`); cases already in the dataset are kept as they are, so adding the same runs twice adds nothing. Runs of several pipelines (with the dataset's own) are refused unless `allowMixedPipelines`. Creates the dataset when it does not exist. Answers 201 with the new version, or 200 with the current one when nothing was added.",
  request: { params: z.object({ name: DatasetNameSchema }), body: { required: true, content: { 'application/json': { schema: Body } } } },
  responses: {
    200: jsonContent(CasesAdded, 'Nothing new: the current version'),
    201: jsonContent(CasesAdded, 'The new version'),
    ...problemResponses(400, 401, 404, 413, 415),
  },
});

export const datasetCaseRoutes: RouteModule = {
  name: 'dataset-cases',
  register(app, { store }) {
    app.openapi(addCases, async (c) => {
      const { name } = c.req.valid('param');
      const { fromRuns, expected, allowMixedPipelines } = c.req.valid('json');
      const current = await store.datasets.get(name);
      const cases: EvalCase[] = [...(current?.cases ?? [])];
      const ids = new Set(cases.map((x) => x.id));
      // The pipeline the dataset's cases came from (those made from runs record it), else the first run's.
      const held = cases.find((x) => x.metadata && 'fromRun' in x.metadata)?.metadata?.pipeline as string | null | undefined;
      let reference: { pipeline: string | null } | undefined = held !== undefined ? { pipeline: held } : undefined;
      const others: { path: string; message: string }[] = [];
      const pipelines = new Set<string | null>(reference ? [reference.pipeline] : []);
      const skippedRuns: { index: number; id: string; status: string }[] = [];
      let added = 0;
      // One read of what the cases need, not each run whole (its traces, events and every value it kept).
      const runs = await store.runs.inputsAndOutputs(fromRuns.filter((runId) => !ids.has(`run-${runId}`)));
      for (const [i, runId] of fromRuns.entries()) {
        const id = `run-${runId}`;
        if (ids.has(id)) continue;
        const run = runs.get(runId);
        if (!run) throw new HttpProblem(404, `there is no run "${runId}"`, { type: 'run-not-found', errors: [{ path: `$.fromRuns[${i}]`, message: 'no such run' }] });
        if (run.status === 'running') throw new HttpProblem(400, `run "${runId}" has not finished`, { errors: [{ path: `$.fromRuns[${i}]`, message: 'still running' }] });
        // A run that did not succeed is a case of its inputs (the runs that failed in production are what a dataset is
        // made of to fix them), but it has no output to draft an expected value from.
        if (run.status !== 'succeeded' && expected === 'output') {
          skippedRuns.push({ index: i, id: runId, status: run.status });
          continue;
        }
        reference ??= { pipeline: run.pipeline };
        pipelines.add(run.pipeline);
        if (run.pipeline !== reference.pipeline) others.push({ path: `$.fromRuns[${i}]`, message: `a run of ${pipelineName(run.pipeline)}, not ${pipelineName(reference.pipeline)}` });
        const outputs = run.outputs ?? {};
        const names = Object.keys(outputs);
        const draft = names.length === 1 ? outputs[names[0]] : outputs;
        cases.push({
          id,
          input: run.inputs,
          ...(expected === 'output' ? { expected: draft } : {}),
          metadata: { fromRun: runId, pipeline: run.pipeline, version: run.version },
        });
        ids.add(id);
        added++;
      }
      // One pipeline's eval runs a dataset: the inputs of another's would not fit it, or would mean something else.
      if (others.length && !allowMixedPipelines) {
        const fix = 'or send "allowMixedPipelines": true';
        const detail =
          held !== undefined
            ? `dataset "${name}" holds runs of ${pipelineName(held)}, and a dataset's cases are the inputs of one pipeline: add these runs to another dataset, ${fix}`
            : `the runs are of ${pipelines.size} pipelines (${[...pipelines].map(pipelineName).join(', ')}), and a dataset's cases are the inputs of one: add each pipeline's runs to a dataset of its own, ${fix}`;
        // `datasetPipeline` and `pipelines` let a client word it for its own users (the editor offers to add them anyway).
        throw new HttpProblem(400, detail, { type: 'mixed-pipelines', errors: others, pipelines: [...pipelines], ...(held !== undefined ? { datasetPipeline: held } : {}) });
      }
      const skipped = { skipped: skippedRuns.length, skippedRuns: skippedRuns.map((r) => r.id) };
      if (added === 0 && !current) {
        const byStatus = new Map<string, number>();
        for (const r of skippedRuns) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
        const counts = [...byStatus].map(([status, n]) => `${n} ${status}`);
        throw new HttpProblem(400, `none of the runs succeeded (${counts.join(', ')}), so none has an output to draft an expected value from: send "expected": "none" to add their inputs as cases`, {
          errors: skippedRuns.map((r) => ({ path: `$.fromRuns[${r.index}]`, message: `the run ${r.status}` })),
        });
      }
      if (added === 0 && current) return c.json({ name, hash: current.hash, caseCount: current.caseCount, added: 0, ...skipped }, 200);
      const { version } = await saveDataset(store, name, { cases });
      c.header('location', `/api/datasets/${name}?hash=${version.hash}`);
      return c.json({ name, hash: version.hash, caseCount: version.caseCount, added, ...skipped }, 201);
    });
  },
};
