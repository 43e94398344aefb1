import type { z } from 'zod';
import type { ModelKind, ModelService, Sandbox } from '@patchbay/core';
import type { EvalCase } from '../dataset';
import type { ScoreResult } from '../result-types';

/** What a scorer may call: models (judge, embeddings) and the sandbox (javascript). */
export interface ScorerContext {
  models: ModelService;
  sandbox: Sandbox;
  signal?: AbortSignal;
}

export interface ScoreInput<P> {
  /** The value of the scorer's target (a pipeline output or a node port). */
  value: unknown;
  /** `params.value` when given, else the case's `expected`. */
  expected: unknown;
  params: P;
  case: EvalCase;
  run: { latencyMs: number; tokens: number | null; costUsd: number | null };
}

/** A scorer may leave `pass` out: it then passes when score ≥ its threshold. */
export type ScoreOutcome = Omit<ScoreResult, 'pass'> & { pass?: boolean };

/** One scorer type; one file per type under src/scorers/. */
export interface ScorerDefinition<P = any> {
  type: string;
  description: string;
  params: z.ZodType<P>;
  /** Pass mark when the suite sets no `threshold`; 1 (a perfect score) by default. */
  defaultThreshold?: number;
  /** False for budgets that read the run (latency, cost, tokens), not a target value. */
  readsTarget?: boolean;
  /** True when the scorer cannot work without an expected value (from the case, or params.value / its own param). */
  needsExpected?: boolean | ((params: P) => boolean);
  /** Its own param that stands in for the expected value (`pattern`, `schema`), named where one must be given (a monitor); else `value`. */
  expectedParam?: { param: string; what: string };
  /**
   * The scorer compares the expected value as text: `one` text (a string, number or boolean), or `any-of` a list of
   * them too. Every case is checked before any runs (expected-text.ts): an object would be compared as its JSON.
   */
  expectedText?: 'one' | 'any-of';
  /** Params that name a model (`"<provider>:<model>"`), and what kind: an eval checks them before any case runs. */
  modelParams?: { param: string; kind: ModelKind }[];
  /** Checks params beyond the schema at suite load (a regex that does not compile); returns a reason or null. */
  check?(params: P): string | null;
  score(input: ScoreInput<P>, ctx: ScorerContext): ScoreOutcome | Promise<ScoreOutcome>;
}

export function defineScorer<P>(def: ScorerDefinition<P>): ScorerDefinition<P> {
  return def;
}
