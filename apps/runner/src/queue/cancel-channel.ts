import type { Redis } from 'ioredis';
import { redisConnection } from './redis-url';

/**
 * Cancel for jobs that run in other processes: a key per cancelled job (so a
 * job still waiting in the queue starts cancelled) and a pub/sub message that
 * every process hears, so the one running the job aborts it at once.
 */
export class CancelChannel {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly subscribed: Promise<unknown>;

  private readonly listeners = new Set<(kind: string, id: string, reason: string) => void>();

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    this.channel = `${prefix}:cancel`;
    this.publisher = redisConnection(url, { name: 'patchbay-cancel' });
    this.subscriber = redisConnection(url, { blocking: true, name: 'patchbay-cancel-listener' });
    this.subscribed = this.subscriber.subscribe(this.channel);
    this.subscriber.on('message', (_channel: string, message: string) => {
      try {
        const { kind, id, reason } = JSON.parse(message) as { kind: string; id: string; reason: string };
        for (const listener of this.listeners) listener(kind, id, reason);
      } catch {
        // not one of ours
      }
    });
  }

  /** Hears every cancel (of any process's job); the listener acts on the ones it holds. */
  listen(listener: (kind: string, id: string, reason: string) => void): void {
    this.listeners.add(listener);
  }

  ready(): Promise<unknown> {
    return this.subscribed;
  }

  private key(kind: string, id: string): string {
    return `${this.prefix}:cancelled:${kind}:${id}`;
  }

  async cancel(kind: string, id: string, reason: string): Promise<void> {
    await this.publisher.multi().set(this.key(kind, id), reason, 'EX', 86_400).publish(this.channel, JSON.stringify({ kind, id, reason })).exec();
  }

  /** Forgets a cancel (an eval resumed under the same id). */
  async clear(kind: string, id: string): Promise<void> {
    await this.publisher.del(this.key(kind, id));
  }

  /** Why a job was cancelled before it started; null when it was not. */
  reasonFor(kind: string, id: string): Promise<string | null> {
    return this.publisher.get(this.key(kind, id));
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }
}
