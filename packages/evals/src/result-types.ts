/** The eval result file (`patchbay eval --out`), as issue 6 spells it; extra fields are additions. */

export interface ScoreResult {
  /** 0..1 */
  score: number;
  pass: boolean;
  reason: string;
  /** Set when the scorer could not score (unparseable judge verdict, a throw): never a pass. */
  error?: string;
}

export type CaseStatus = 'passed' | 'failed' | 'error';

export interface CaseRecord {
  id: string;
  /** 1-based attempt number when the suite repeats cases. */
  repeat: number;
  status: CaseStatus;
  /** The case input as the dataset gave it. */
  input?: unknown;
  expected?: unknown;
  /** The pipeline's outputs by name. */
  outputs: Record<string, unknown>;
  /** Node values scorers read (`node:<id>.<port>`): kept so a result can be rescored and inspected. */
  targets?: Record<string, unknown>;
  scores: Record<string, ScoreResult>;
  latencyMs: number;
  /** Total tokens the models reported; null when none reported usage. */
  tokens: number | null;
  /** USD; null when a price was unknown (never a made-up 0). */
  costUsd: number | null;
  error?: string;
  /** The node whose failure failed the case. */
  failedNode?: string;
  runId?: string;
}

export interface ScorerSummary {
  /** Mean score; null when no case was scored. */
  mean: number | null;
  passRate: number | null;
  /** 95% seeded bootstrap interval of the mean. */
  ci: [number, number] | null;
  /** 95% Wilson interval of the pass rate. */
  passCi: [number, number];
  n: number;
  /** With repeat > 1: mean over cases of pass@k and pass^k with k = repeat. */
  passAtK?: number;
  passHatK?: number;
}

export interface RepeatSummary {
  k: number;
  /** Mean over cases: at least one of the k attempts passed every scorer. */
  passAtK: number;
  /** Mean over cases: all k attempts passed every scorer. */
  passHatK: number;
  /** Cases that passed on some attempts and failed on others. */
  flaky: string[];
  /** Per case: attempts, attempts that passed every scorer, and its pass@k / pass^k. */
  cases: Array<{ id: string; attempts: number; passed: number; passAtK: number; passHatK: number }>;
}

export interface EvalSummary {
  scorers: Record<string, ScorerSummary>;
  /** Case × repeat records. */
  cases: number;
  passed: number;
  /** Everything that did not pass, errors included. */
  failed: number;
  /** Records whose pipeline or a scorer errored (also counted in `failed`). */
  errors: number;
  passRate: number | null;
  latencyMs: { mean: number | null; p50: number | null; p95: number | null };
  tokens: number | null;
  costUsd: number | null;
  repeats?: RepeatSummary;
}

export type PairedTest = 'mcnemar-exact' | 'sign-flip-exact' | 'sign-flip-monte-carlo' | 'none';

export interface ScorerComparison {
  baseline: number | null;
  current: number | null;
  /** Mean of current − baseline over paired records. */
  delta: number | null;
  ci: [number, number] | null;
  pValue: number;
  test: PairedTest;
  /** Paired records (attempts); the interval and the tests count cases, a case's attempts averaged per side. */
  n: number;
  /** Pass rates and the p of pass/fail alone, whatever the main test; `regressed`/`improved` count cases whose share of passing attempts fell/rose. */
  pass: { baseline: number | null; current: number | null; delta: number | null; pValue: number; regressed: number; improved: number };
}

export interface Comparison {
  /** Where the baseline came from: the file given or a stored eval id. */
  baseline: string;
  scorers: Record<string, ScorerComparison>;
  regressed: string[];
  improved: string[];
  unchanged: string[];
  onlyInBaseline: string[];
  onlyInCurrent: string[];
  warnings: string[];
}

export interface EvalResult {
  format?: 'patchbay.eval-result/v1';
  suite: string;
  pipeline: { name: string; behaviorHash: string; version?: number };
  dataset: { hash: string; cases: number; source?: string };
  repeat?: number;
  seed?: string;
  startedAt: string;
  finishedAt: string;
  summary: EvalSummary;
  cases: CaseRecord[];
  comparison?: Comparison;
  gates?: GateReport;
}

export interface GateReport {
  passed: boolean;
  checks: Array<{ gate: string; passed: boolean; skipped?: boolean; message: string }>;
}
