import { createStore, type StoreApi } from 'zustand/vanilla';
import type { VersionSummary } from '../lib/api-types';
import { ApiError } from '../lib/api-client';
import type { DeployApi, Deployment, Labels, Promotion, PromotionSuite } from './deploy-api';
import { labelCallers, type LabelCaller } from './label-callers';

/**
 * Where the Deploy panel is. A move always comes after its check: `check` runs the promotion
 * as a dry run (evaluate both versions, compare paired, apply the gates; nothing moves) and
 * shows its verdict; `move` then starts the promotion for real (it reuses both evals). When the
 * verdict is refused, `move` needs `arm` first: "Move anyway" is two deliberate clicks, and the
 * move is recorded as forced. `unfit`: the check was refused because the version the label holds
 * cannot be evaluated on the suite (`holder` of the 422, `at` the field at fault), so there is no
 * verdict; `move` (armed) forces the move as `patchbay promote --force` does: the candidate alone
 * is evaluated and the move is recorded as forced. `callers`: the check was refused because the move would stop
 * another pipeline's labelled version (409 `label-has-callers`); `move` (armed) runs the promotion with `force`.
 */
export type CheckState =
  | { phase: 'idle' }
  | { phase: 'checking'; label: string; version: number; progress: string }
  | { phase: 'checked'; label: string; version: number; suite: PromotionSuite; promotion: Promotion; armed: boolean }
  | { phase: 'moving'; label: string; version: number; promotion: Promotion; forced: boolean }
  | { phase: 'moved'; label: string; version: number; promotion: Promotion }
  | { phase: 'failed'; label: string; version: number; message: string }
  | { phase: 'unfit'; label: string; version: number; suite: PromotionSuite; holder: number; reason: string; at: 'dataset' | 'suite'; armed: boolean }
  | { phase: 'callers'; label: string; version: number; suite: PromotionSuite; holder: number | null; callers: LabelCaller[]; armed: boolean };

export interface DeployState {
  labels?: Labels;
  deployments?: Deployment[];
  versions?: VersionSummary[];
  error?: string;
  step: CheckState;
  /** The label a rollback is moving right now (its buttons wait). */
  rollingBack?: string;
  /** A rollback the runner refused because it would stop another pipeline's labelled version (409 `label-has-callers`). */
  rollbackRefused?: RefusedRollback;
}

/** The rollback that was refused, and whether "Move anyway" has had its first click. */
export interface RefusedRollback {
  label: string;
  version: number;
  callers: LabelCaller[];
  armed: boolean;
}

export interface DeployActions {
  load(): Promise<void>;
  check(label: string, version: number, suite: PromotionSuite): Promise<void>;
  /** The first click of "Move anyway" on a refused verdict (false: changed one's mind). */
  arm(armed: boolean): void;
  move(): Promise<void>;
  /** Leaves the verdict (a new label or version was chosen). */
  reset(): void;
  /**
   * Points `label` back at `version`: a move like any other, recorded in the history. Refused because it would
   * stop a caller, it is kept in `rollbackRefused`; `force` (after `armRollback`) makes it anyway, recorded forced.
   */
  rollback(label: string, version: number, force?: boolean): Promise<void>;
  /** The first click of "Move anyway" on a refused rollback (false: changed one's mind). */
  armRollback(armed: boolean): void;
}

export type DeployStore = StoreApi<DeployState & DeployActions>;

interface Deps {
  deploy: DeployApi;
  listVersions(pipeline: string): Promise<VersionSummary[]>;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The 422 of a check whose suite the label's version cannot be evaluated on (its `holder` member); undefined for any other failure. */
function holderMisfit(err: unknown): { holder: number; reason: string; at: 'dataset' | 'suite' } | undefined {
  if (!(err instanceof ApiError) || err.status !== 422) return;
  const body = err.body as { holder?: { version?: unknown; reason?: unknown }; errors?: { path?: string }[] } | undefined;
  const { version, reason } = body?.holder ?? {};
  if (typeof version !== 'number' || typeof reason !== 'string') return;
  return { holder: version, reason, at: body?.errors?.[0]?.path === '$.suite.dataset' ? 'dataset' : 'suite' };
}

/** What a forced move with no verdict yet (a holder the suite cannot evaluate, a caller it would stop) starts from: no comparison, no gates yet. */
function notCompared(step: Extract<CheckState, { phase: 'unfit' | 'callers' }>): Promotion {
  return { status: 'running', moved: false, from: step.holder, to: step.version, comparison: null, gates: null, evalIds: { candidate: null, holder: null }, forced: true } as Promotion;
}

export function createDeployStore(pipeline: string, api: Deps): DeployStore {
  /** Runs a promotion to its end, passing its progress on as one line; answers its outcome. */
  async function promote(body: Parameters<DeployApi['startPromotion']>[1], onProgress: (line: string) => void): Promise<Promotion> {
    const { id } = await api.deploy.startPromotion(pipeline, body);
    await api.deploy.followPromotion(id, (event) => {
      if (event.type === 'promotion.eval') onProgress(event.reused ? `v${event.version}: reusing a stored eval` : `v${event.version}: evaluating…`);
      else if (event.type === 'promotion.eval.progress') onProgress(`v${event.version}: ${event.done} of ${event.total} cases`);
    });
    return api.deploy.getPromotion(id);
  }

  return createStore<DeployState & DeployActions>()((set, get) => ({
    step: { phase: 'idle' },

    async load() {
      try {
        const [labels, deployments, versions] = await Promise.all([api.deploy.labels(pipeline), api.deploy.deployments(pipeline), api.listVersions(pipeline)]);
        set({ labels, deployments, versions: [...versions].sort((a, b) => b.number - a.number), error: undefined });
      } catch (err) {
        set({ error: message(err) });
      }
    },

    async check(label, version, suite) {
      // a refused rollback was about where a label was before this comparison: next to fresh results it reads as theirs
      set({ step: { phase: 'checking', label, version, progress: 'starting…' }, rollbackRefused: undefined });
      const progress = (line: string) => {
        const now = get().step;
        if (now.phase === 'checking' && now.label === label && now.version === version) set({ step: { ...now, progress: line } });
      };
      try {
        const promotion = await promote({ label, version, suite, dryRun: true }, progress);
        if (promotion.status === 'failed') set({ step: { phase: 'failed', label, version, message: promotion.error ?? 'the check failed' } });
        else if (promotion.status === 'unchanged') {
          set({ step: { phase: 'idle' } });
          await get().load();
        }
        else set({ step: { phase: 'checked', label, version, suite, promotion, armed: false } });
      } catch (err) {
        const unfit = holderMisfit(err);
        const callers = labelCallers(err);
        if (unfit) set({ step: { phase: 'unfit', label, version, suite, ...unfit, armed: false } });
        else if (callers) set({ step: { phase: 'callers', label, version, suite, holder: get().labels?.[label]?.version ?? null, callers, armed: false } });
        else set({ step: { phase: 'failed', label, version, message: message(err) } });
      }
    },

    arm(armed) {
      const now = get().step;
      if ((now.phase === 'checked' && !now.promotion.gates?.passed) || now.phase === 'unfit' || now.phase === 'callers') set({ step: { ...now, armed } });
    },

    async move() {
      const now = get().step;
      if (now.phase !== 'checked' && now.phase !== 'unfit' && now.phase !== 'callers') return;
      const forced = now.phase !== 'checked' || !now.promotion.gates?.passed;
      if (forced && !now.armed) return; // a refused verdict moves only after the deliberate first click
      const { label, version, suite } = now;
      const promotion = now.phase === 'checked' ? now.promotion : notCompared(now);
      set({ step: { phase: 'moving', label, version, promotion, forced } });
      try {
        const promotion = await promote({ label, version, suite, ...(forced ? { force: true } : {}) }, () => {});
        if (promotion.moved) set({ step: { phase: 'moved', label, version, promotion } });
        // the label came to hold the version meanwhile (another move): nothing to do, the panel shows where it is
        else if (promotion.status === 'unchanged') set({ step: { phase: 'idle' } });
        else if (promotion.status === 'failed') set({ step: { phase: 'failed', label, version, message: promotion.error ?? 'the promotion failed' } });
        // refused after all (the label moved meanwhile, or the evals differ): show the new verdict
        else set({ step: { phase: 'checked', label, version, suite, promotion, armed: false } });
      } catch (err) {
        set({ step: { phase: 'failed', label, version, message: message(err) } });
      }
      await get().load();
    },

    reset() {
      if (get().step.phase !== 'checking' && get().step.phase !== 'moving') set({ step: { phase: 'idle' } });
    },

    async rollback(label, version, force = false) {
      const refused = get().rollbackRefused;
      // a forced rollback is the refused one, after the deliberate first click
      if (force && !(refused?.armed && refused.label === label && refused.version === version)) return;
      // a verdict on screen was about where the label was: it no longer is
      set({ rollingBack: label, rollbackRefused: undefined });
      get().reset();
      let failure: string | undefined;
      let callers: LabelCaller[] | undefined;
      try {
        await api.deploy.moveLabel(pipeline, label, version, 'rolled back from the editor', force);
      } catch (err) {
        callers = labelCallers(err);
        if (!callers) failure = message(err);
      }
      await get().load();
      set({ rollingBack: undefined, ...(failure ? { error: failure } : {}), ...(callers ? { rollbackRefused: { label, version, callers, armed: false } } : {}) });
    },

    armRollback(armed) {
      const refused = get().rollbackRefused;
      if (refused) set({ rollbackRefused: { ...refused, armed } });
    },
  }));
}
