import { QueueOfAnotherStoreError } from '../../queue/queue-owner';
import { UsageError, type Command } from '../command';
import { positiveInteger } from '../integer-flag';
import { flagOrEnv, reasonAbout } from '../flag-or-env';
import { QUEUE_HELP, QUEUE_OPTIONS, queueSettings } from '../queue-options';
import { sqliteStoreDir, StoreLocationError } from '../../queue/store-location';
import { QueueUnavailableError } from '../../jobs/job-registry';
import { redactUrl } from '../../queue/redis-url';
import { untilStopSignal } from '../stop-signals';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isPostgresUrl } from '../../store/store-url';
import { RUNNER_DB_FILE } from '../../store/db';

export const command: Command = {
  name: 'worker',
  summary: 'take runs and eval cases off the queue (scaled out)',
  usage: `Usage: patchbay worker --store STORE --queue redis://HOST:PORT [--concurrency N] [--stalled-ms MS]
                       [--grace-ms MS] [--cache-dir DIR]

Runs the jobs that "patchbay serve --queue …" enqueues: pipeline runs and eval
cases, recording them in the shared store. No HTTP and no data dir of its own.
SIGTERM (or Ctrl-C) takes no more jobs, lets the running ones finish for up to
--grace-ms, and leaves the rest to the other workers. See docs/scaling.md.

Options:
  --store STORE       the shared store (env PATCHBAY_STORE): postgres://user@host/db,
                      or a data dir every process reaches (sqlite:DIR or a path)
${QUEUE_HELP}
  --cache-dir DIR     where this worker keeps the index artifacts it fetched, and its
                      model responses with a data-dir store (default a temp dir,
                      removed when the worker stops; a postgres:// store holds
                      the shared response cache)
  --grace-ms MS       how long SIGTERM waits for running jobs (default 10000,
                      at most 3600000: an hour)
  --debug             show stack traces
  -h, --help          show this help

Environment:
  <PROVIDER>_API_KEY  provider keys: each worker reads its own; they never travel
                      through Redis or the store`,
  options: { ...QUEUE_OPTIONS, store: { type: 'string' }, 'cache-dir': { type: 'string' }, 'grace-ms': { type: 'string' } },
  positionals: [0, 0],
  async run({ values }, io) {
    const storeSetting = flagOrEnv(values.store, io.env, '--store', 'PATCHBAY_STORE');
    if (storeSetting === undefined) throw new UsageError('--store is required (or PATCHBAY_STORE): the store every server and worker shares');
    const queue = queueSettings(values, io.env);
    if (!queue) throw new UsageError('--queue redis://HOST:PORT is required (or PATCHBAY_QUEUE)');
    // At most an hour: past 2^31 ms Node's setTimeout fires at once, so a larger grace would be none.
    const graceText = values['grace-ms'] as string | undefined;
    const graceMs = graceText === undefined ? 10_000 : positiveInteger(graceText, '--grace-ms', 0, 3_600_000);
    let storeDir: string;
    try {
      storeDir = sqliteStoreDir(storeSetting.text, io.cwd);
    } catch (err) {
      if (err instanceof StoreLocationError) throw new UsageError(reasonAbout(storeSetting, '--store', err.message));
      throw err;
    }
    // A data dir the servers never opened (a typo, another machine's path) would become a new empty
    // store: the worker would take jobs off the shared queue and fail them, recording them nowhere anyone reads.
    if (!isPostgresUrl(storeDir) && !existsSync(path.join(storeDir, RUNNER_DB_FILE))) {
      throw new UsageError(`${storeSetting.name} ${storeDir} holds no runner store (${RUNNER_DB_FILE}): give the data dir of the "patchbay serve --queue …" whose jobs this worker runs (start it first)`);
    }
    const { startWorker } = await import('../../worker');
    let worker;
    try {
      worker = await startWorker({ storeDir, queueUrl: queue.url, concurrency: queue.concurrency, lockDuration: queue.lockDuration, stalledInterval: queue.stalledInterval, cacheDir: values['cache-dir'] as string | undefined, env: io.env });
    } catch (err) {
      if (err instanceof QueueOfAnotherStoreError) throw new UsageError(err.message);
      if (err instanceof QueueUnavailableError) throw new Error(`cannot reach the queue at ${redactUrl(queue.url)}: ${err.detail}`);
      throw err;
    }
    // Listening for SIGTERM before saying it is ready: a supervisor may stop it the moment it reads the line.
    const stopped = untilStopSignal(io.stderr, 'finishing running jobs, then stopping', () => worker.stop(graceMs));
    io.stdout.write(`Patchbay worker ${process.pid} taking jobs from ${redactUrl(queue.url)} (concurrency ${queue.concurrency ?? 8})\n`);
    await stopped;
    return 0;
  },
};
