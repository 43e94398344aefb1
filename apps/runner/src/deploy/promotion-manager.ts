import { randomUUID } from 'node:crypto';
import { jobKind, type JobRegistry } from '../jobs/job-registry';
import type { Store } from '../store/index';
import type { EvalManager } from '../evals/eval-manager';
import { DomainError } from '../domain-errors';
import { runPromotion, type PromotionEvent, type PromotionOutcome, type PromotionRequest } from './promotion';

export const PROMOTION_JOB = jobKind<PromotionRequest & { id: string }, PromotionEvent>('promotion');

/** Promotions as jobs of the one registry: recorded when started, their outcome stored when they end, their progress streamed. */
export class PromotionManager {
  constructor(private readonly deps: { store: Pick<Store, 'versions' | 'labels' | 'evals' | 'promotions'>; evals: EvalManager; jobs: JobRegistry; log?: (line: string) => void }) {
    deps.jobs.define(PROMOTION_JOB, async (payload, job) => {
      let outcome: PromotionOutcome;
      const events: PromotionEvent[] = [];
      const publish = (event: PromotionEvent) => {
        events.push(event);
        job.publish(event);
      };
      try {
        outcome = await runPromotion(deps, payload.id, payload, publish);
      } catch (err) {
        const message = (err as Error)?.message ?? String(err);
        deps.log?.(`promotion ${payload.id} failed: ${message}`);
        outcome = { ...knownSoFar(payload.version, events), status: 'failed', moved: false, comparison: null, gates: null, forced: false, error: message };
      }
      const completed: PromotionEvent = { type: 'promotion.completed', promotionId: payload.id, outcome, at: Date.now() };
      await deps.store.promotions.finish(payload.id, outcome.status, outcome as unknown as Record<string, unknown>, [...events, completed]);
      job.publish(completed);
    });
  }

  async start(request: PromotionRequest): Promise<string> {
    const id = randomUUID();
    await this.deps.store.promotions.create({ id, pipeline: request.pipeline, label: request.label, version: request.version, createdAt: Date.now() });
    this.deps.jobs.start(PROMOTION_JOB, id, { ...request, id });
    return id;
  }

  /** A promotion's events once it is no longer live: its outcome. */
  async pastEvents(id: string): Promise<PromotionEvent[] | undefined> {
    return (await this.deps.store.promotions.events(id)) as PromotionEvent[] | undefined;
  }

  notFound(id: string) {
    return new DomainError('promotion-not-found', `there is no promotion "${id}"`);
  }
}

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
