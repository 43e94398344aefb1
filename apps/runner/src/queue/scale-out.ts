import { Queue } from 'bullmq';
import type { CaseQueue, EvalSessionServices } from '@patchbay/evals';
import { BullmqJobRegistry } from '../jobs/bullmq-registry';
import { CaseJobWorker } from '../evals/case-job-worker';
import type { EvalJob } from '../evals/eval-manager';
import { QueuedCaseQueue } from '../evals/queued-case-queue';
import type { EvalStore } from '../store/evals';
import type { RunStore } from '../store/runs';
import { CASE_QUEUE } from './case-jobs';
import { redisConnection } from './redis-url';
import { claimQueue } from './queue-owner';
import type { WorkspacePins } from '../workspace/workspace-pins';
import type { ResolvedWorkspace } from '../workspace/workspace-resolver';

export interface ScaleOutOptions {
  /** `--queue redis://…` */
  url: string;
  /** Take runs and eval cases off the queue in this process (`serve --work`, every `patchbay worker`). */
  work: boolean;
  /** Runs at once, and eval cases at once, in this process. Default 8. */
  concurrency?: number;
  /** How soon a killed worker's jobs are taken up by another (BullMQ lock and stalled check, ms). */
  lockDuration?: number;
  stalledInterval?: number;
  /** Masks this process's secret values out of what it writes to Redis (run events, eval case results). */
  redact?: (json: string) => string;
  log: (line: string) => void;
}

/** A process's part in a scaled-out Patchbay: its job registry, where its evals send their cases, and its case worker. */
export interface ScaleOut {
  jobs: BullmqJobRegistry;
  caseQueue(request: EvalJob, positions: Map<string, number>): CaseQueue;
  /** SIGTERM of a worker: finish what runs (up to `graceMs`), hand the rest back to the queue. */
  drain(graceMs: number): Promise<void>;
  /** After jobs.cancelAll or drain: closes every Redis connection. */
  close(): Promise<void>;
}

/** Connects to the queue's Redis (throws QueueUnavailableError when it does not answer) and, with `work`, starts taking jobs. */
export async function scaleOut(
  options: ScaleOutOptions,
  deps: {
    store: { evals: EvalStore; runs: RunStore; identity?: () => Promise<string> };
    services: EvalSessionServices;
    /** The services of a pinned workspace (a WorkspaceResolver), for the cases this process runs. */
    workspaceFor?: (pins?: WorkspacePins) => Promise<ResolvedWorkspace>;
  },
): Promise<ScaleOut> {
  const jobs = new BullmqJobRegistry({
    url: options.url,
    work: options.work,
    concurrency: options.concurrency,
    lockDuration: options.lockDuration,
    stalledInterval: options.stalledInterval,
    redact: options.redact,
    log: options.log,
  });
  try {
    await jobs.ready();
    if (deps.store.identity) await claimQueue(jobs.redis, jobs.prefix, options.url, await deps.store.identity(), options.log);
  } catch (err) {
    await jobs.close();
    throw err;
  }
  // An eval's coordinator waits out a Redis outage, as the workers do: on the fail-fast connection that
  // requests use (a 503 at once), a restart that overlapped its sweep or its next enqueue failed the eval.
  const coordinator = redisConnection(options.url, { blocking: true, name: 'patchbay-eval-coordinator' });
  const cases = new Queue(CASE_QUEUE, { connection: coordinator, prefix: jobs.prefix, skipVersionCheck: true });
  cases.on('error', () => {});
  const worker = options.work
    ? new CaseJobWorker({
        url: options.url,
        prefix: jobs.prefix,
        redis: jobs.redis,
        cancels: jobs.cancels,
        store: deps.store,
        services: deps.services,
        workspaceFor: deps.workspaceFor,
        concurrency: options.concurrency ?? 8,
        lockDuration: options.lockDuration,
        stalledInterval: options.stalledInterval,
        redact: options.redact,
        log: options.log,
      })
    : undefined;
  return {
    jobs,
    caseQueue: (request, positions) => {
      const concurrency = request.session.spec.concurrency ?? request.session.spec.suite.concurrency;
      return new QueuedCaseQueue({
        redis: coordinator,
        queue: cases,
        cancels: jobs.cancels,
        prefix: jobs.prefix,
        evalId: request.id,
        spec: { pipeline: request.session.pipeline, scorers: request.session.spec.suite.scorers, cached: request.session.cached, concurrency },
        positions,
        // A resumed eval goes on with the pins Redis keeps; the eval pins itself when Redis holds none (QueuedCaseQueue.pinned).
        pin: request.pin,
        concurrency,
      });
    },
    async drain(graceMs) {
      await Promise.all([jobs.drain(graceMs), worker?.close(graceMs)]);
    },
    async close() {
      await worker?.close(0);
      await cases.close().catch(() => {});
      coordinator.disconnect();
      await jobs.close();
    },
  };
}
