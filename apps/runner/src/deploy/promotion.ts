import { behaviorHash, type PipelineDocument } from '@patchbay/core';
import { compareRowsSliced, evaluateGates, toScoreRow, type Comparison, type EvalSuite, type Gate, type GateReport } from '@patchbay/evals';
import { DomainError } from '../domain-errors';
import { EVAL_JOB, type EvalManager } from '../evals/eval-manager';
import type { JobRegistry } from '../jobs/job-registry';
import type { DatasetRecord, StoredEval, Store } from '../store/index';
import { LabelMovedError, PromotionEndedError, VersionReplacedError } from '../store/labels';
import { holderMisfit } from './holder-fits-suite';
import { moveLabel } from './labels';
import { resolveServed } from './served-version';

export interface PromotionRequest {
  pipeline: string;
  label: string;
  version: number;
  /** A suite whose dataset is `dataset`'s cases, inline. */
  suite: EvalSuite;
  dataset: DatasetRecord;
  force: boolean;
  /** Evaluate, compare and gate, but never move the label (the editor shows this verdict before the move). */
  dryRun?: boolean;
  /** `admin` or a key's name, for the history. */
  by: string;
  /** Where the promotion was asked for: a forced move's note names the force as it was given there (`--force`, `"force": true`). */
  via: 'cli' | 'http';
}

export interface PromotionOutcome {
  /** `checked`: a dry run ended (`gates.passed` says whether the label would move). `unchanged`: the label holds the version already (or was moved to it while this one ran). */
  status: 'moved' | 'refused' | 'failed' | 'checked' | 'unchanged';
  moved: boolean;
  from: number | null;
  to: number;
  comparison: Comparison | null;
  gates: GateReport | null;
  evalIds: { candidate: string | null; holder: string | null };
  forced: boolean;
  error?: string;
  /** Why nothing was done, in a line (`unchanged`): "production already holds v3". */
  note?: string;
}

export type PromotionEvent =
  | { type: 'promotion.started'; promotionId: string; pipeline: string; label: string; from: number | null; to: number; at: number }
  | { type: 'promotion.eval'; promotionId: string; version: number; evalId: string; reused: boolean; at: number }
  | { type: 'promotion.eval.progress'; promotionId: string; version: number; evalId: string; done: number; total: number }
  | { type: 'promotion.completed'; promotionId: string; outcome: PromotionOutcome; at: number };

export interface PromotionDeps {
  store: Pick<Store, 'versions' | 'labels' | 'evals'>;
  evals: EvalManager;
  jobs: JobRegistry;
  /** The process that recorded the promotion (PromotionManager, store/promotions.ts): its label move then holds only while the record is still running and this owner's. The CLI records none. */
  owner?: string;
}

/** The gates a promotion applies: the suite's, or `fail-on regression` when it sets none. */
export function promotionGate(suite: EvalSuite): Gate {
  const g = suite.gate;
  const set = g && (g.failOn !== undefined || g.minPassRate !== undefined || Object.keys(g.maxDrop ?? {}).length > 0);
  return set ? g : { failOn: 'regression' };
}

/**
 * An eval in which the pipeline failed on every case (an index or tool missing where
 * it ran, a provider down) measured the place it ran in, not the version: it is never
 * reused, and a candidate's such eval moves no label (with no holder, no regression
 * gate would stop it).
 */
function ranOnNoCase(e: StoredEval): boolean {
  const summary = e.head?.summary;
  return summary !== undefined && summary.cases > 0 && summary.errors === summary.cases;
}

/** Why a candidate's eval that ran on no case moves nothing, with the first case's error. */
async function ranOnNoCaseReason(deps: PromotionDeps, e: StoredEval, version: number): Promise<string> {
  const [first] = await deps.store.evals.cases(e.id);
  const why = first?.error ? `: case "${first.id}": ${first.error}` : '';
  const n = e.head!.summary.cases;
  return `the pipeline failed on every case of the eval of v${version} (${n} of ${n}), so it says nothing of v${version}${why}`;
}

/**
 * Same behaviour, same dataset content, same suite (name, scorers, repeat), same workspace (config, index
 * contents): a stored result that stands for a new run. One whose workspace is not recorded is not reused.
 */
async function reusableEval(deps: PromotionDeps, pipeline: string, document: PipelineDocument, req: PromotionRequest): Promise<StoredEval | undefined> {
  const scorers = JSON.stringify(req.suite.scorers);
  const hash = behaviorHash(document);
  const workspace = await deps.evals.workspaceOf(document);
  return (await deps.store.evals.list({ pipeline, limit: 500 })).items.find(
    (e) =>
      e.status === 'succeeded' &&
      !ranOnNoCase(e) &&
      e.spec.behaviorHash === hash &&
      e.spec.workspace === workspace &&
      e.dataset.hash === req.dataset.hash &&
      e.spec.suite === req.suite.name &&
      e.spec.repeat === req.suite.repeat &&
      JSON.stringify(e.spec.scorers) === scorers,
  );
}

/** Waits for a live eval to end, passing on its progress; resolves with the stored eval. */
async function finished(deps: PromotionDeps, id: string, onProgress: (done: number, total: number) => void): Promise<StoredEval> {
  await new Promise<void>((resolve) => {
    const unsubscribe = deps.jobs.subscribe(EVAL_JOB, id, 0, (event) => {
      if (event.type === 'eval.case') onProgress(event.done, event.total);
    }, resolve);
    if (!unsubscribe) resolve();
  });
  return (await deps.store.evals.get(id))!;
}

/**
 * Promotion (DESIGN.md, Deployments): evaluates the candidate and the label's
 * holder on the suite (reusing stored results), compares them paired as
 * `patchbay compare` does, applies the gates and moves the label when they
 * pass — or anyway with `force`, recorded as forced with the candidate's eval.
 * `publish` is awaited for `promotion.started` and `promotion.eval` (what it
 * found out: the manager stores it before it goes on).
 */
export async function runPromotion(deps: PromotionDeps, id: string, req: PromotionRequest, publish: (event: PromotionEvent) => void | Promise<void>): Promise<PromotionOutcome> {
  const candidate = await resolveServed(deps.store, { pipeline: req.pipeline, version: req.version });
  const holderState = await deps.store.labels.get(req.pipeline, req.label);
  const from = holderState?.version ?? null;
  await publish({ type: 'promotion.started', promotionId: id, pipeline: req.pipeline, label: req.label, from, to: req.version, at: Date.now() });

  const evaluate = async (version: number, document: PipelineDocument): Promise<StoredEval> => {
    const reused = await reusableEval(deps, req.pipeline, document, req);
    if (reused) {
      await publish({ type: 'promotion.eval', promotionId: id, version, evalId: reused.id, reused: true, at: Date.now() });
      return reused;
    }
    // The same eval session `patchbay eval` and POST /api/evals run.
    const session = await deps.evals.prepare({ pipeline: document, pipelineVersion: version, subject: `version ${version} of "${req.pipeline}"`, suite: req.suite });
    const evalId = await deps.evals.start({ session, pipeline: req.pipeline, version, dataset: req.dataset });
    await publish({ type: 'promotion.eval', promotionId: id, version, evalId, reused: false, at: Date.now() });
    return finished(deps, evalId, (done, total) => publish({ type: 'promotion.eval.progress', promotionId: id, version, evalId, done, total }));
  };

  const base: PromotionOutcome = { status: 'failed', moved: false, from, to: req.version, comparison: null, gates: null, evalIds: { candidate: null, holder: null }, forced: false };
  // Comparing a version with itself proves nothing and moving a label onto itself is no deployment: nothing to evaluate or record.
  if (from === req.version) return { ...base, status: 'unchanged', note: `${req.label} already holds v${from}` };
  const misfit = await holderMisfit(deps.store, req, (document, version) => deps.evals.prepare({ pipeline: document, pipelineVersion: version, subject: `version ${version} of "${req.pipeline}"`, suite: req.suite }));
  if (misfit && !req.force) throw misfit.error;
  const candEval = await evaluate(req.version, candidate.document);
  base.evalIds.candidate = candEval.id;
  if (candEval.status !== 'succeeded' || !candEval.head) return { ...base, error: `the eval of v${req.version} ${candEval.status}: ${candEval.error ?? ''}`.trim() };
  if (ranOnNoCase(candEval)) return { ...base, error: await ranOnNoCaseReason(deps, candEval, req.version) };

  let comparison: Comparison | undefined;
  if (from !== null && !misfit) {
    const holder = await resolveServed(deps.store, { pipeline: req.pipeline, version: from });
    const holderEval = await evaluate(from, holder.document);
    base.evalIds.holder = holderEval.id;
    if (holderEval.status !== 'succeeded') return { ...base, error: `the eval of v${from} ${holderEval.status}: ${holderEval.error ?? ''}`.trim() };
    const [holderCases, candCases] = await Promise.all([deps.store.evals.cases(holderEval.id), deps.store.evals.cases(candEval.id)]);
    comparison = await compareRowsSliced(holderCases.map(toScoreRow), candCases.map(toScoreRow), { baselineLabel: holderEval.id, seed: req.suite.seed, warnings: [] });
  }
  // With no holder, the regression gates have nothing to compare with and are skipped: the candidate's own gates decide.
  // The outcome holds the comparison beside the gates: the regression gate counts the cases comparison.regressed names.
  const judged = evaluateGates(promotionGate(req.suite), { summary: candEval.head.summary, comparison }, { regressedListedAt: 'comparison.regressed' });
  // Forced past a holder the suite cannot score: its comparing gates were skipped for that reason, not for a label not set.
  const gates = misfit ? { ...judged, checks: judged.checks.map((c) => (c.skipped ? { ...c, message: `skipped: ${misfit.summary}` } : c)) } : judged;
  const outcome: PromotionOutcome = { ...base, comparison: comparison ?? null, gates, status: gates.passed ? 'moved' : 'refused' };
  if (req.dryRun) return { ...outcome, status: 'checked' };
  if (gates.passed || req.force) {
    const forced = !gates.passed || misfit !== undefined;
    // a stored request from before `via` was over HTTP: only the CLI says --force
    const force = req.via === 'cli' ? '--force' : '"force": true';
    const note = misfit ? `promoted with ${force}: ${misfit.summary}` : forced ? `promoted with ${force} past failing gates` : 'promoted: gates passed';
    try {
      // Only if the label still holds the version compared with (a move made while the evals ran is not overwritten
      // unseen) and the number still names the version evaluated (a pipeline deleted and saved again reuses numbers).
      // A caller of the label it would stop is checked again at the move (one may have been labelled since it started).
      // Only while this promotion is still this process's (another server may have taken it for dead and ended it), recorded moved with the move.
      const promotion = deps.owner === undefined ? undefined : { id, owner: deps.owner, outcome: { ...outcome, status: 'moved', moved: true } };
      const move = { pipeline: req.pipeline, label: req.label, version: req.version, by: req.by, evalId: candEval.id, forced, note, ifFrom: from, ifContentHash: candidate.contentHash, promotion };
      const moved = await moveLabel(deps.store, move, { callers: req.force ? 'force' : 'keep-running' });
      if (moved.forced) return { ...outcome, status: 'moved', moved: true, forced: true };
    } catch (err) {
      if (err instanceof PromotionEndedError) return { ...outcome, status: 'failed', error: err.message };
      if (err instanceof DomainError && err.code === 'label-has-callers') return { ...outcome, status: 'failed', error: err.message };
      if (err instanceof VersionReplacedError) {
        return { ...outcome, status: 'failed', error: `v${req.version} of "${req.pipeline}" is not the version evaluated: the pipeline was deleted and saved again while this promotion ran: promote again` };
      }
      if (!(err instanceof LabelMovedError)) throw err;
      // Moved to this very version meanwhile (the same promotion started twice): what was asked for holds, nothing failed.
      if (err.current === req.version) return { ...outcome, status: 'unchanged', note: `${req.label} already holds v${req.version}: another promotion moved it there while this one ran` };
      const name = (v: number | null) => (v === null ? '(not set)' : `v${v}`);
      return { ...outcome, status: 'failed', error: `${req.label} moved from ${name(from)} to ${name(err.current)} while this promotion ran, so v${req.version} was compared with a version it no longer replaces: promote again` };
    }
    return { ...outcome, status: 'moved', moved: true, forced };
  }
  return outcome;
}
