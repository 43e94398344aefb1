import type { Redis } from 'ioredis';
import { redactUrl } from './redis-url';

/** The queue's Redis database already carries the jobs of another store (a configuration error: exit 2). */
export class QueueOfAnotherStoreError extends Error {
  override name = 'QueueOfAnotherStoreError';
}

/**
 * Claims the queue for this process's store, or refuses: the queue's keys do not name the store, so
 * two deployments on one Redis database would take each other's jobs and could not run them (their
 * workspace config and records are in the other store). The first process to start claims it; each
 * reconnect claims it again, as a Redis without persistence comes back empty and a process of another
 * store starting then would otherwise claim it (`log` says so if one did meanwhile).
 */
export async function claimQueue(redis: Redis, prefix: string, url: string, store: string, log: (line: string) => void = () => {}): Promise<void> {
  const key = `${prefix}:store`;
  const claim = async () => {
    await redis.set(key, store, 'NX');
    const owner = await redis.get(key);
    if (owner !== null && owner !== store) {
      throw new QueueOfAnotherStoreError(
        `the queue at ${redactUrl(url)} carries the jobs of another store: give each deployment its own Redis database (redis://HOST:PORT/1) or Redis, and every worker the --store of its servers (if that other store is gone for good: redis-cli DEL ${key})`,
      );
    }
  };
  await claim();
  redis.on('ready', () => {
    claim().catch((err: Error) => {
      if (err instanceof QueueOfAnotherStoreError) log(err.message);
    });
  });
}
