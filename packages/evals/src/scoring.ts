import type { EvalCase } from './dataset';
import type { ScoreResult } from './result-types';
import { getScorerType, type ScorerContext, type ScorerDefinition } from './scorers/index';
import type { ScorerSpec } from './suite';

/**
 * Whether a scorer with these params needs the case's expected value: it compares with one
 * (`needsExpected`), and `params.value`, which stands in for it, is not given. A monitor's scorer
 * must not (production runs have no expected value).
 */
export function needsCaseExpected(def: ScorerDefinition, params: Record<string, unknown>): boolean {
  const needs = typeof def.needsExpected === 'function' ? def.needsExpected(params) : def.needsExpected === true;
  return needs && params.value === undefined;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The case's `expected` a scorer compares with: the field `expectedKey` names when the expected value is an object.
 * Only its own fields: `expected.constructor` would otherwise be Object, and `__proto__` Object.prototype.
 */
export function caseExpected(spec: Pick<ScorerSpec, 'expectedKey'>, c: Pick<EvalCase, 'expected'>): unknown {
  const { expected } = c;
  if (spec.expectedKey === undefined || !isPlainObject(expected)) return expected;
  return Object.hasOwn(expected, spec.expectedKey) ? expected[spec.expectedKey] : undefined;
}

/** Why a scorer found no expected value in a case: none at all, or no field of the name `expectedKey` gives. */
function missingExpected(spec: ScorerSpec, c: EvalCase): string {
  const noValue = `scorer "${spec.name}" has no params.value`;
  if (spec.expectedKey === undefined || !isPlainObject(c.expected)) return `case "${c.id}" has no "expected" and ${noValue}`;
  const keys = Object.keys(c.expected);
  const has = keys.length ? `it has ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}` : 'it has none';
  return `case "${c.id}": its expected value has no field ${JSON.stringify(spec.expectedKey)} (${has}) and ${noValue}`;
}

/**
 * Applies one scorer of the suite to one case's value. Never throws: a scorer
 * that fails or lacks what it needs gives score 0, no pass, and `error`.
 * The suite's threshold, when set, decides the pass; else the scorer's own
 * verdict, else score ≥ its default threshold.
 */
export async function applyScorer(
  spec: ScorerSpec,
  value: unknown,
  c: EvalCase,
  run: { latencyMs: number; tokens: number | null; costUsd: number | null },
  ctx: ScorerContext,
): Promise<ScoreResult> {
  const def = getScorerType(spec.type);
  if (!def) return { score: 0, pass: false, reason: 'unknown scorer', error: `unknown scorer type "${spec.type}"` };
  const params = spec.params as Record<string, unknown>;
  const fromCase = caseExpected(spec, c);
  const expected = params.value !== undefined ? params.value : fromCase;
  if (needsCaseExpected(def, params) && fromCase === undefined) {
    return { score: 0, pass: false, reason: 'no expected value', error: missingExpected(spec, c) };
  }
  try {
    const out = await def.score({ value, expected, params, case: c, run }, ctx);
    if (out.error) return { score: 0, pass: false, reason: out.reason, error: out.error };
    const score = Math.max(0, Math.min(1, Number.isFinite(out.score) ? out.score : 0));
    const threshold = spec.threshold ?? def.defaultThreshold ?? 1;
    const pass = spec.threshold !== undefined || out.pass === undefined ? score >= threshold : out.pass;
    return { score, pass, reason: out.reason };
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    const message = err instanceof Error ? err.message : String(err);
    return { score: 0, pass: false, reason: 'scorer failed', error: `scorer "${spec.name}": ${message}` };
  }
}
