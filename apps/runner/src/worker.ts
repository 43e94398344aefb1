import os from 'node:os';
import path from 'node:path';
import { createServices } from '@patchbay/core/node';
import { Redactor } from './http/secrets';
import { FinishedRunPublisher } from './monitoring/finished-run-feed';
import { storeResolverOf } from './pipelines/pipeline-resolver';
import { scaleOut, type ScaleOut } from './queue/scale-out';
import { RunManager } from './runs/run-manager';
import { openStore, type Store } from './store/index';

export interface WorkerOptions {
  /** The shared store: a data dir (SQLite, WAL: several processes share it) or a `postgres://` URL. */
  storeDir: string;
  /** redis://… */
  queueUrl: string;
  /** Runs at once and eval cases at once in this process. Default 8. */
  concurrency?: number;
  /** Where this worker keeps what it caches locally (the model response cache). Default a dir under the OS temp dir. */
  cacheDir?: string;
  /** Provider keys and the rest of the environment: this process's own, never sent through Redis or the store. */
  env?: NodeJS.ProcessEnv;
  lockDuration?: number;
  stalledInterval?: number;
  log?: (line: string) => void;
}

export interface RunningWorker {
  store: Store;
  scaled: ScaleOut;
  /** Takes no more jobs, lets running ones finish for up to `graceMs`, hands the rest back, closes. */
  stop(graceMs?: number): Promise<void>;
}

/** `patchbay worker`: no HTTP; takes runs and eval cases off the queue and records them in the store. */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir ?? path.join(os.tmpdir(), `patchbay-worker-${process.pid}`);
  const keyVariables = Object.keys(env).filter((name) => name.endsWith('_API_KEY'));
  const redactor = Redactor.fromEnv(env, keyVariables, []);
  const log = (line: string) => (options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(redactor.redact(line));
  // A PostgreSQL store brings the shared response cache; with a data dir the worker caches in its own cache dir.
  const store: Store = await openStore(options.storeDir, { redact: redactor.redact, onWriteError: (err, runId) => log(`could not record run ${runId}: ${err.message}`), log });
  const services = await createServices({ dataDir: cacheDir, env, redact: redactor.redact, responseCache: store.responseCache }).catch(async (err) => {
    await store.close();
    throw err;
  });
  services.pipelines = storeResolverOf(store);
  let scaled: ScaleOut;
  try {
    scaled = await scaleOut(
      { url: options.queueUrl, work: true, concurrency: options.concurrency, lockDuration: options.lockDuration, stalledInterval: options.stalledInterval, log },
      { store, services },
    );
  } catch (err) {
    await services.close();
    await store.close();
    throw err;
  }
  // Defines the run processor on the queue: runs of any server are taken here. The servers' monitoring
  // observes each finished run (rollups, metrics, alert rules): it reads it from the store once committed.
  const finished = new FinishedRunPublisher(scaled.jobs.redis, scaled.jobs.prefix, () => store.runs.flush(), log);
  new RunManager({ store: store.runs, services, jobs: scaled.jobs, commitEachRun: true, observe: (run) => finished.publish(run) });
  let stopping: Promise<void> | undefined;
  return {
    store,
    scaled,
    stop: (graceMs = 10_000) =>
      (stopping ??= (async () => {
        await scaled.drain(graceMs);
        await scaled.close();
        await services.close();
        await store.close();
      })()),
  };
}
