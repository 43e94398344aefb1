import { randomUUID } from 'node:crypto';
import { jobKind, type JobRegistry } from '../jobs/job-registry';
import type { Store } from '../store/index';
import type { EvalManager } from '../evals/eval-manager';
import { DomainError } from '../domain-errors';
import { PROCESS_OWNER } from '../runs/process-owner';
import { runPromotion, type PromotionEvent, type PromotionOutcome, type PromotionRequest } from './promotion';

export const PROMOTION_JOB = jobKind<PromotionRequest & { id: string }, PromotionEvent>('promotion');

/** Promotions as jobs of the one registry: recorded when started, their outcome stored when they end, their progress streamed. */
export class PromotionManager {
  constructor(private readonly deps: { store: Pick<Store, 'versions' | 'labels' | 'evals' | 'promotions'>; evals: EvalManager; jobs: JobRegistry; log?: (line: string) => void }) {
    deps.jobs.define(PROMOTION_JOB, async (payload, job) => {
      let outcome: PromotionOutcome;
      const events: PromotionEvent[] = [];
      // What it found out (the holder, an eval started) is stored before it is told or goes on: a promotion
      // ended by a restart after this process was killed still says what it compared with and which evals ran.
      const publish = (event: PromotionEvent): Promise<void> | void => {
        events.push(event);
        if (event.type !== 'promotion.started' && event.type !== 'promotion.eval') return job.publish(event);
        const { from, evalIds } = knownSoFar(payload.version, events);
        return deps.store.promotions.note(payload.id, { from, evalIds }, { owner: PROCESS_OWNER }).then(() => job.publish(event));
      };
      try {
        outcome = await runPromotion({ ...deps, owner: PROCESS_OWNER }, payload.id, payload, publish);
      } catch (err) {
        const message = (err as Error)?.message ?? String(err);
        deps.log?.(`promotion ${payload.id} failed: ${message}`);
        outcome = { ...knownSoFar(payload.version, events), status: 'failed', moved: false, comparison: null, gates: null, forced: false, error: message };
      }
      let completed: PromotionEvent = { type: 'promotion.completed', promotionId: payload.id, outcome, at: Date.now() };
      if (!(await deps.store.promotions.finish(payload.id, outcome.status, outcome as unknown as Record<string, unknown>, [...events, completed], { owner: PROCESS_OWNER }))) {
        // Another server took this one for dead and ended it (store/promotions.ts endLeft): its record stands, and is what is told.
        const stored = await deps.store.promotions.get(payload.id);
        deps.log?.(`promotion ${payload.id} was ended by another server meanwhile: ${stored?.status ?? 'gone'} stands`);
        if (stored?.outcome) completed = { ...completed, outcome: stored.outcome as unknown as PromotionOutcome };
      }
      job.publish(completed);
    });
  }

  async start(request: PromotionRequest): Promise<string> {
    const id = randomUUID();
    await this.deps.store.promotions.create({ id, pipeline: request.pipeline, label: request.label, version: request.version, createdAt: Date.now(), owner: PROCESS_OWNER });
    this.deps.jobs.start(PROMOTION_JOB, id, { ...request, id });
    return id;
  }

  /**
   * A promotion's events once it is no longer live. One whose process was killed stored none (a restart ended it,
   * store/promotions.ts): its stream still ends with promotion.completed, made from the stored outcome and numbered
   * after what a resuming client saw (its live events were never stored), so a client waiting for the end is told.
   */
  async pastEvents(id: string, fromSeq: number): Promise<PromotionEvent[] | undefined> {
    const events = (await this.deps.store.promotions.events(id)) as PromotionEvent[] | undefined;
    if (!events || events.some((e) => e.type === 'promotion.completed')) return events;
    const stored = await this.deps.store.promotions.get(id);
    if (!stored || stored.status === 'running' || !stored.outcome) return events;
    const end: PromotionEvent = { type: 'promotion.completed', promotionId: id, outcome: stored.outcome as unknown as PromotionOutcome, at: Date.parse(stored.finishedAt ?? stored.createdAt) };
    const out = events.slice();
    out[Math.max(events.length, Math.min(fromSeq, events.length + MAX_UNSTORED_EVENTS))] = end;
    return out;
  }

  /** What a promotion running in this process has found out so far (the holder it compares with, the evals it started); undefined when it runs elsewhere or has ended. */
  async soFar(id: string): Promise<Pick<PromotionOutcome, 'from' | 'to' | 'evalIds'> | undefined> {
    const live = await this.deps.jobs.live(PROMOTION_JOB, id);
    return live && knownSoFar(live.payload.version, [...live.events]);
  }

  notFound(id: string) {
    return new DomainError('promotion-not-found', `there is no promotion "${id}"`);
  }
}

/** How far past the stored events a resume may be and still get the end made up for a promotion that has none. */
const MAX_UNSTORED_EVENTS = 1_000_000;

/** What a promotion that threw part way had already found out: the holder it compared with and the evals it ran. */
function knownSoFar(to: number, events: PromotionEvent[]): Pick<PromotionOutcome, 'from' | 'to' | 'evalIds'> {
  const started = events.find((e) => e.type === 'promotion.started');
  const evalOf = (version: number) => events.find((e) => e.type === 'promotion.eval' && e.version === version);
  const from = started?.type === 'promotion.started' ? started.from : null;
  const candidate = evalOf(to);
  const holder = from === null ? undefined : evalOf(from);
  return {
    from,
    to,
    evalIds: {
      candidate: candidate?.type === 'promotion.eval' ? candidate.evalId : null,
      holder: holder?.type === 'promotion.eval' ? holder.evalId : null,
    },
  };
}
