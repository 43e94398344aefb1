import { createRoute, z } from '@hono/zod-openapi';
import { compareRowsSliced, toScoreRow } from '@patchbay/evals';
import { evalListItem } from '../evals/eval-views';
import { HttpProblem } from '../http/problem';
import type { StoredEval } from '../store/evals';
import { jsonContent, problemResponses } from './common-schemas';
import { EvalListItemSchema } from './evals';
import type { RouteModule } from './route-module';

const ComparisonSchema = z
  .object({
    // a: the baseline eval, b: the current one, as listed
    a: EvalListItemSchema,
    b: EvalListItemSchema,
    baseline: z.string(),
    scorers: z.record(
      z.string(),
      z
        .object({
          baseline: z.number().nullable(),
          current: z.number().nullable(),
          delta: z.number().nullable(),
          ci: z.tuple([z.number(), z.number()]).nullable(),
          pValue: z.number(),
          test: z.enum(['mcnemar-exact', 'sign-flip-exact', 'sign-flip-monte-carlo', 'none']),
          n: z.number().int(),
          pass: z
            .object({
              baseline: z.number().nullable(),
              current: z.number().nullable(),
              delta: z.number().nullable(),
              pValue: z.number(),
              regressed: z.number().int(),
              improved: z.number().int(),
            })
            .openapi({ description: 'Pass rates and the exact McNemar p on pass/fail, whatever the main test' }),
        })
        .openapi('ScorerComparison'),
    ),
    regressed: z.array(z.string()),
    improved: z.array(z.string()),
    unchanged: z.array(z.string()),
    onlyInBaseline: z.array(z.string()),
    onlyInCurrent: z.array(z.string()),
    warnings: z.array(z.string()),
  })
  .openapi('Comparison');

const compare = createRoute({
  method: 'get',
  path: '/api/compare',
  tags: ['evals'],
  summary: 'Compare two evals case by case (a = baseline, b = current)',
  description:
    'Pairs the cases by id and repeat. Per scorer: the mean of each, the mean difference b − a with a paired bootstrap 95% interval, and a paired test (exact McNemar on pass/fail scores, sign-flip permutation otherwise) as `pValue` and `test`. Cases are listed as regressed (passed in a, fails in b), improved or unchanged; cases in only one eval are listed, never dropped. 400 when the two share no case id; 409 while either is running.',
  request: {
    query: z.object({
      a: z.string().min(1).max(100).openapi({ description: 'The baseline eval id' }),
      b: z.string().min(1).max(100).openapi({ description: 'The current eval id' }),
    }),
  },
  responses: { 200: jsonContent(ComparisonSchema, 'The comparison'), ...problemResponses(400, 401, 404, 409) },
});

export const compareRoutes: RouteModule = {
  name: 'compare',
  register(app, { store }) {
    const load = async (id: string, which: string): Promise<StoredEval> => {
      const found = await store.evals.get(id);
      if (!found) throw new HttpProblem(404, `there is no eval "${id}"`, { type: 'eval-not-found', errors: [{ path: `query.${which}`, message: 'no such eval' }] });
      if (found.status === 'running') throw new HttpProblem(409, `eval "${id}" is still running; compare it once it ends`, { type: 'eval-running' });
      return found;
    };

    app.openapi(compare, async (c) => {
      const query = c.req.valid('query');
      const [a, b] = await Promise.all([load(query.a, 'a'), load(query.b, 'b')]);
      const [aRows, bRows] = (await Promise.all([store.evals.cases(a.id), store.evals.cases(b.id)])).map((cases) => cases.map(toScoreRow));
      const aIds = new Set(aRows.map((r) => r.id));
      if (!bRows.some((r) => aIds.has(r.id))) {
        throw new HttpProblem(400, `evals "${a.id}" and "${b.id}" share no case id (datasets "${a.dataset.name}" and "${b.dataset.name}"): there is nothing to pair`, {
          type: 'nothing-to-compare',
          errors: [{ path: 'query.b', message: 'no case id in common with query.a' }],
        });
      }
      const warnings =
        a.dataset.hash !== b.dataset.hash ? ['the two evals ran on different dataset versions (content hashes differ); only cases with the same id are paired'] : [];
      const comparison = await compareRowsSliced(aRows, bRows, { baselineLabel: a.id, seed: b.spec.seed, warnings });
      return c.json({ a: evalListItem(a), b: evalListItem(b), ...comparison }, 200);
    });
  },
};
