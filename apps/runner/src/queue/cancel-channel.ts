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
  private readonly resyncs = new Set<() => void>();

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    this.channel = `${prefix}:cancel`;
    this.publisher = redisConnection(url, { name: 'patchbay-cancel' });
    this.subscriber = redisConnection(url, { blocking: true, name: 'patchbay-cancel-listener' });
    this.subscribed = this.subscriber.subscribe(this.channel);
    // A message published while this connection was down is lost (pub/sub keeps nothing): once it is
    // back and subscribed again, the holders of jobs look at the cancel keys of what they hold.
    let first = true;
    this.subscriber.on('ready', () => {
      if (first) return void (first = false);
      this.subscriber.subscribe(this.channel).then(
        () => {
          for (const resync of this.resyncs) resync();
        },
        () => {}, // down again: the next 'ready' tries again
      );
    });
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

  /** Called after the listening connection came back: cancels sent meanwhile were not heard, read their keys. */
  onReconnect(resync: () => void): void {
    this.resyncs.add(resync);
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

  /** Which of these jobs of `kind` are cancelled, with why: one round trip. */
  async cancelled(kind: string, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const reasons = await this.publisher.mget(ids.map((id) => this.key(kind, id)));
    return new Map(ids.flatMap((id, i) => (reasons[i] === null ? [] : [[id, reasons[i] as string] as const])));
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }
}
