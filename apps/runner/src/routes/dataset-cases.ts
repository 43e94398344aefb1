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
  })
  .openapi('CasesFromRuns');

const addCases = createRoute({
  method: 'post',
  path: '/api/datasets/{name}/cases',
  operationId: 'addDatasetCasesFromRuns',
  tags: ['datasets'],
  summary: 'Turn runs into cases of a dataset (a new version)',
  description:
    "Each run becomes a case `run-<run id>` with the run's inputs (and, with `expected: \"output\"`, its output as a draft expected value); cases already in the dataset are kept as they are, so adding the same runs twice adds nothing. Creates the dataset when it does not exist. Answers 201 with the new version, or 200 with the current one when nothing was added.",
  request: { params: z.object({ name: DatasetNameSchema }), body: { required: true, content: { 'application/json': { schema: Body } } } },
  responses: {
    200: jsonContent(z.object({ name: z.string(), hash: z.string(), caseCount: z.number().int(), added: z.number().int() }), 'Nothing new: the current version'),
    201: jsonContent(z.object({ name: z.string(), hash: z.string(), caseCount: z.number().int(), added: z.number().int() }), 'The new version'),
    ...problemResponses(400, 401, 404, 413, 415),
  },
});

export const datasetCaseRoutes: RouteModule = {
  name: 'dataset-cases',
  register(app, { store }) {
    app.openapi(addCases, async (c) => {
      const { name } = c.req.valid('param');
      const { fromRuns, expected } = c.req.valid('json');
      const current = await store.datasets.get(name);
      const cases: EvalCase[] = [...(current?.cases ?? [])];
      const ids = new Set(cases.map((x) => x.id));
      let added = 0;
      for (const [i, runId] of fromRuns.entries()) {
        const id = `run-${runId}`;
        if (ids.has(id)) continue;
        const run = await store.runs.get(runId);
        if (!run) throw new HttpProblem(404, `there is no run "${runId}"`, { errors: [{ path: `$.fromRuns[${i}]`, message: 'no such run' }] });
        if (run.status === 'running') throw new HttpProblem(400, `run "${runId}" has not finished`, { errors: [{ path: `$.fromRuns[${i}]`, message: 'still running' }] });
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
      if (added === 0 && current) return c.json({ name, hash: current.hash, caseCount: current.caseCount, added: 0 }, 200);
      const { version } = await saveDataset(store, name, { cases });
      c.header('location', `/api/datasets/${name}?hash=${version.hash}`);
      return c.json({ name, hash: version.hash, caseCount: version.caseCount, added }, 201);
    });
  },
};
