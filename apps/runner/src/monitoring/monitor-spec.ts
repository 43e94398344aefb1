import { z } from 'zod';
import { getScorerType, needsCaseExpected } from '@patchbay/evals';
import { labelField } from '../deploy/label-name';
import type { RunSource } from '../store/runs';
import { webhookFormatProblem } from './webhook-target';

const LabelName = labelField();
/** A share or a score: the editor sends a field's text as typed when it is not a number, so the reason names what it takes. */
const Fraction = z.number({ error: 'a number from 0 to 1' }).min(0, 'a number from 0 to 1').max(1, 'a number from 0 to 1');
const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a slug: a-z, 0-9 and -').max(64, 'a name is at most 64 characters');

/**
 * A query's filter by monitor name (`GET /api/runs?monitor=`): a value no monitor can be named is a 400
 * saying what one looks like, not an empty list; `''` is no filter.
 */
export const monitorFilter = () =>
  z.string().refine((value) => value === '' || Slug.safeParse(value).success, 'a monitor name is a slug: a-z, 0-9 and - (at most 64 characters)');

/** The runs monitoring sees: those the runner (or its workers) executes as runs. Not `eval` (an eval scores its own cases) nor `cli` (`patchbay run` runs outside the runner). */
export const OBSERVED_SOURCES = ['editor', 'api', 'serve', 'openai'] as const satisfies readonly RunSource[];
const UNOBSERVED_REASON = 'monitoring never sees eval or cli runs (an eval scores its own cases; patchbay run runs outside the runner): use editor, api, serve or openai';
const ObservedSource = z.enum(OBSERVED_SOURCES, { error: (issue) => (issue.input === 'eval' || issue.input === 'cli' ? UNOBSERVED_REASON : undefined) });

/**
 * A monitor scores a sample of a pipeline's finished runs with an eval scorer
 * that needs no expected value (production has none): llm-judge with a rubric,
 * json-valid, json-schema, regex, contains with params, latency, cost, tokens,
 * javascript. `labels`/`sources` narrow which traffic it samples.
 */
export const MonitorSpec = z
  .strictObject({
    name: Slug,
    scorer: z.strictObject({
      type: z.string(),
      target: z.string().optional().describe('A pipeline output or node:<id>.<port>; default the only output'),
      params: z.record(z.string(), z.unknown()).default({}),
      threshold: Fraction.optional(),
    }),
    sample: Fraction.default(1),
    // Names a run could never carry would make a monitor that silently samples nothing.
    labels: z.array(LabelName).optional(),
    sources: z.array(ObservedSource).optional(),
    /** false: kept in the list (the editor's switch) but scores nothing. */
    enabled: z.boolean().optional(),
  })
  .superRefine((m, ctx) => {
    const def = getScorerType(m.scorer.type);
    if (!def) {
      ctx.addIssue({ code: 'custom', path: ['scorer', 'type'], message: `unknown scorer type "${m.scorer.type}"` });
      return;
    }
    const parsed = def.params.safeParse(m.scorer.params);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      // Passed on as it is (its code, keys, bounds), so the answer says it in plain words as for any other field.
      ctx.addIssue({ ...issue, path: ['scorer', 'params', ...(issue.path as (string | number)[])] } as Parameters<typeof ctx.addIssue>[0]);
      return;
    }
    // As an eval scores it: params.value stands in for the expected value (contains, exact, …).
    if (needsCaseExpected(def, parsed.data as Record<string, unknown>)) {
      const { param, what } = def.expectedParam ?? { param: 'value', what: 'it' };
      ctx.addIssue({ code: 'custom', path: ['scorer', 'params'], message: `a "${m.scorer.type}" scorer compares with an expected value, which production runs do not have: give ${what} as params.${param}` });
      return;
    }
    const reason = def.check?.(parsed.data);
    // A check names the param first ("pattern: …"): its path, as a suite's (evals' suite.ts).
    if (reason) {
      const [param, ...why] = reason.split(': ');
      ctx.addIssue({ code: 'custom', path: ['scorer', 'params', param], message: why.join(': ') });
    }
  });
export type MonitorSpec = z.infer<typeof MonitorSpec>;

/** `5m`, `1h`, `1d` — or a number of runs. */
const Duration = z.string().regex(/^[1-9]\d*(s|m|h|d)$/, 'a duration such as 30s, 5m, 1h or 1d');

export const AlertRuleSpec = z.strictObject({
  name: Slug,
  metric: z
    .string()
    .regex(/^(errorRate|p95Ms|costUsd|monitor:[a-z0-9][a-z0-9-]*)$/, 'errorRate, p95Ms, costUsd or monitor:NAME'),
  window: z.union([z.number().int().min(1).max(10_000), Duration]),
  op: z.enum(['above', 'below']),
  threshold: z.number({ error: 'a number' }),
  /** An http(s) URL, or `${NAME}` (webhook-target.ts). */
  webhook: z.string().superRefine((webhook, ctx) => {
    const problem = webhookFormatProblem(webhook);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** Narrow the rule to one label's traffic (e.g. production). */
  label: LabelName.optional(),
  /** false: kept in the list (the editor's switch) but never fires. */
  enabled: z.boolean().optional(),
});
export type AlertRuleSpec = z.infer<typeof AlertRuleSpec>;

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A rule's window: a count of runs (or scores), or milliseconds. */
export function windowOf(rule: AlertRuleSpec): { runs: number } | { ms: number } {
  if (typeof rule.window === 'number') return { runs: rule.window };
  const unit = rule.window.slice(-1) as keyof typeof UNIT_MS;
  return { ms: Number(rule.window.slice(0, -1)) * UNIT_MS[unit] };
}
