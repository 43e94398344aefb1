import { UsageError } from './command';
import { flagOrEnv, reasonAbout } from './flag-or-env';
import { positiveInteger } from './integer-flag';
import { parseQueueUrl, QueueUrlError } from '../queue/redis-url';

/** The options `serve` and `worker` share for the queue. */
export const QUEUE_OPTIONS = {
  queue: { type: 'string' },
  concurrency: { type: 'string' },
  'stalled-ms': { type: 'string' },
} as const;

export const QUEUE_HELP = `  --queue URL         redis://HOST:PORT of the job queue (env PATCHBAY_QUEUE)
  --concurrency N     runs, and eval cases, at once in this process (default 8)
  --stalled-ms MS     how soon the jobs of a worker that died are taken up by another
                      (BullMQ lock and stalled-job check; default 30000)`;


/** The queue settings from flags and environment; undefined when no queue is named. Throws UsageError. */
export function queueSettings(values: Record<string, unknown>, env: NodeJS.ProcessEnv): { url: string; concurrency?: number; lockDuration?: number; stalledInterval?: number } | undefined {
  const setting = flagOrEnv(values.queue, env, '--queue', 'PATCHBAY_QUEUE');
  if (setting === undefined) {
    if (values.concurrency !== undefined || values['stalled-ms'] !== undefined) throw new UsageError('--concurrency and --stalled-ms go with --queue redis://…');
    return undefined;
  }
  try {
    parseQueueUrl(setting.text);
  } catch (err) {
    if (err instanceof QueueUrlError) throw new UsageError(reasonAbout(setting, '--queue', err.message));
    throw err;
  }
  const concurrency = values.concurrency === undefined ? undefined : positiveInteger(values.concurrency as string, '--concurrency', 1, 1024);
  const stalled = values['stalled-ms'] === undefined ? undefined : positiveInteger(values['stalled-ms'] as string, '--stalled-ms', 100, 3_600_000);
  return { url: setting.text, concurrency, ...(stalled !== undefined ? { lockDuration: stalled, stalledInterval: stalled } : {}) };
}
