import { Redis, type RedisOptions } from 'ioredis';
import { maskPasswordParams } from '../store/url-password';

/** A `--queue` value that is not a redis:// or rediss:// URL. */
export class QueueUrlError extends Error {
  override name = 'QueueUrlError';
}

/** Checks a `--queue` / PATCHBAY_QUEUE value; throws QueueUrlError with a one-line reason. */
export function parseQueueUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new QueueUrlError(`--queue must be a redis://HOST:PORT URL, got "${redactUrl(text)}"`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new QueueUrlError(`--queue must be a redis:// or rediss:// URL, got "${url.protocol}//…"`);
  if (!url.hostname) throw new QueueUrlError('--queue needs a host: redis://HOST:PORT');
  // ioredis reads the path as the database number: anything else became SELECT NaN, and a stack trace.
  if (!/^\/?(\d+)?$/.test(url.pathname)) throw new QueueUrlError(`--queue: the database after the port must be a number (redis://HOST:PORT/0), got "${url.pathname}"`);
  return url;
}

/** The database number a queue URL names (0 when it names none). */
export function queueDatabase(text: string): number {
  return Number(new URL(text).pathname.slice(1) || 0);
}

/** The URL with its password masked, for log lines and messages. */
export function redactUrl(text: string): string {
  return maskPasswordParams(text.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@'));
}

/**
 * A connection to the queue's Redis. `blocking` ones (BullMQ workers, stream
 * readers) retry forever; the others fail a command once Redis is gone, so a
 * request gets a 503 at once rather than waiting for it to come back.
 */
export function redisConnection(url: string, options: { blocking?: boolean; name?: string } = {}): Redis {
  const base: RedisOptions = {
    connectionName: options.name,
    // BullMQ requires null for workers; a front door fails fast instead (no offline queue).
    maxRetriesPerRequest: options.blocking ? null : 1,
    enableOfflineQueue: options.blocking ? true : false,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: false,
  };
  const redis = new Redis(url, base);
  // ioredis logs unhandled 'error' events to stderr with a stack; reconnecting is its job.
  redis.on('error', () => {});
  return redis;
}

/** Resolves once the connection is up (a fail-fast connection refuses commands until then). */
export function connected(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => redis.once('ready', () => resolve()));
}
