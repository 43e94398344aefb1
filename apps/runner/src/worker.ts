import fs from 'node:fs/promises';
import { baseURLSecrets, configSecrets, listProviders, urlCredentials, configSecretVariables, warmModelThread, type WorkspaceConfig } from '@patchbay/core/node';
import { Redactor } from './http/secrets';
import { FinishedRunPublisher } from './monitoring/finished-run-feed';
import { storeResolverOf } from './pipelines/pipeline-resolver';
import { scaleOut, type ScaleOut } from './queue/scale-out';
import { RunManager } from './runs/run-manager';
import { openStore, type Store } from './store/index';
import { WorkspaceResolver } from './workspace/workspace-resolver';
import { defaultCacheDir, removeDeadWorkersCacheDirs } from './worker-cache-dir';

/** After the grace, how long closing connections and the store may take before the worker stops anyway. */
const CLOSE_MS = 2_000;

export interface WorkerOptions {
  /** The shared store: a data dir (SQLite, WAL: several processes share it) or a `postgres://` URL. */
  storeDir: string;
  /** redis://… */
  queueUrl: string;
  /** Runs at once and eval cases at once in this process. Default 8. */
  concurrency?: number;
  /** Where this worker keeps what it caches locally (index artifacts, and the model response cache with a data-dir store). Default a dir under the OS temp dir. */
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
  // Named by the pid, a default cache dir is never reused by a later worker: it goes when this one stops.
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const removeOwnCache = () => (options.cacheDir === undefined ? fs.rm(cacheDir, { recursive: true, force: true }).catch(() => {}) : Promise.resolve());
  const keyVariables = new Set(Object.keys(env).filter((name) => name.endsWith('_API_KEY')));
  // The credentials of a <NAME>_BASE_URL of this process (the shared config holds none: serve --queue refuses them),
  // and of the store's and the queue's URLs, which may come as flags rather than variables.
  const credentials = [...baseURLSecrets({}, env), ...urlCredentials('the credential in the store URL', options.storeDir), ...urlCredentials('the credential in the queue URL', options.queueUrl)];
  let redactor = Redactor.fromEnv(env, [...keyVariables], credentials);
  const redact = (text: string) => redactor.redact(text);
  // A config from the store may name key variables of its own (`apiKeyEnv`): their values are masked from then on too.
  // So may the base URLs of providers only it names (GW_BASE_URL for its provider gw).
  const onConfig = (config: WorkspaceConfig) => {
    const named = [...listProviders(config, env).flatMap((p) => (p.keyVariable ? [p.keyVariable] : [])), ...configSecretVariables(config)].filter((name) => !keyVariables.has(name));
    const added = configSecrets(config, env).filter((s) => !credentials.some((c) => c.value === s.value));
    if (named.length === 0 && added.length === 0) return;
    for (const name of named) keyVariables.add(name);
    credentials.push(...added);
    redactor = Redactor.fromEnv(env, [...keyVariables], credentials);
  };
  const log = (line: string) => (options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(redact(line));
  // Made now: a cache dir that cannot be made fails the start, not the first job that fetches an index.
  await fs.mkdir(cacheDir, { recursive: true });
  // A PostgreSQL store brings the shared response cache; with a data dir the worker caches in its own cache dir.
  let store: Store;
  try {
    store = await openStore(options.storeDir, { redact, onWriteError: (err, runId) => log(`could not record run ${runId}: ${err.message}`), log });
  } catch (err) {
    await removeOwnCache();
    throw err;
  }
  // No config file and no indexes of its own: each job runs with the workspace config and index artifacts
  // it was pinned to, read from the store (services built once per config, artifacts fetched once per cache dir).
  const resolver = new WorkspaceResolver({ artifacts: store.artifacts, cacheDir, env, redact, responseCache: store.responseCache, pipelines: storeResolverOf(store), log, onConfig });
  const workspaceFor = resolver.resolve.bind(resolver);
  let scaled: ScaleOut;
  let services;
  let config: WorkspaceConfig;
  try {
    // The config published now: what a job that carries no pins (from an older server) runs with.
    ({ services, config } = await resolver.resolve());
    scaled = await scaleOut(
      { url: options.queueUrl, work: true, concurrency: options.concurrency, lockDuration: options.lockDuration, stalledInterval: options.stalledInterval, redact, log },
      { store, services, workspaceFor },
    );
  } catch (err) {
    await resolver.close();
    await store.close();
    await removeOwnCache();
    throw err;
  }
  // Those of workers killed without a stop are removed by the next worker to start on the machine: once it has
  // started, so a worker refused (another store's queue, a store out of reach) leaves the machine as it found it.
  if (options.cacheDir === undefined) {
    const removed = await removeDeadWorkersCacheDirs();
    if (removed > 0) log(`removed the cache dirs of ${removed} worker(s) that are gone`);
  }
  // Its first job would load the model thread's modules (~0.7 s): they load now, on that thread.
  void warmModelThread(config, env);
  // Defines the run processor on the queue: runs of any server are taken here. The servers' monitoring
  // observes each finished run (rollups, metrics, alert rules): it reads it from the store once committed.
  const finished = new FinishedRunPublisher(scaled.jobs.redis, scaled.jobs.prefix, () => store.runs.flush(), log);
  // Its keys are in no other process: what it sends through Redis is masked here (streamed tokens as one text, so a key split over chunks too).
  new RunManager({ store: store.runs, services, jobs: scaled.jobs, commitEachRun: true, observe: (run) => finished.publish(run), workspaceFor, maskStream: () => redactor.streamMasker() });
  let stopping: Promise<void> | undefined;
  return {
    store,
    scaled,
    stop: (graceMs = 10_000) =>
      (stopping ??= (async () => {
        const closed = (async () => {
          await scaled.drain(graceMs);
          // Before the connection closes: what Redis has not taken yet gets one last attempt.
          await finished.close();
          await scaled.close();
          await resolver.close();
          await store.close();
        })();
        // BullMQ's close waits for the jobs still running however long they take (its forced close
        // returns the first close's promise): past the grace they are left to the other workers
        // (their locks lapse), so the stop is bounded too.
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, graceMs + CLOSE_MS).unref())]);
        // A stop cut short (Redis gone: the drain waits out the grace) never reached the last try: the runs no server will count are said all the same.
        finished.abandon();
        // After the race too: a stop cut short (Redis gone) would otherwise leave the dir behind.
        await removeOwnCache();
      })()),
  };
}
