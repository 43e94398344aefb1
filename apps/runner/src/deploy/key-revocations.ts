import type { KeyStore } from '../store/index';

/** How soon a stream sees a key revoked by another process (patchbay keys revoke, another runner on the store). */
export const REVOCATION_POLL_MS = 2_000;

/**
 * The streams a serving key has open, ended when the key is revoked: a revoked key receives nothing
 * more, even on a stream that was accepted before (a leaked key must stop leaking answers). While
 * any such stream is open the live keys are read every REVOCATION_POLL_MS (one query for all of
 * them); `check({fresh: true})` reads them at once (this process just revoked one). Nothing runs while none is open.
 */
export class KeyRevocations {
  /** Each watched key's hash (hex) and the streams to end. */
  private readonly open = new Map<string, Set<() => void>>();
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly keys: () => KeyStore,
    private readonly pollMs = REVOCATION_POLL_MS,
  ) {}

  /** A signal aborted when the key whose hash (hex) is `hash` is revoked; `release()` when the stream ends. */
  watch(hash: string): { signal: AbortSignal; release(): void } {
    const controller = new AbortController();
    const end = () => controller.abort();
    let streams = this.open.get(hash);
    if (!streams) this.open.set(hash, (streams = new Set()));
    streams.add(end);
    this.timer ??= setInterval(() => void this.check(), this.pollMs).unref();
    return {
      signal: controller.signal,
      release: () => {
        streams.delete(end);
        if (streams.size === 0 && this.open.get(hash) === streams) this.open.delete(hash);
        if (this.open.size === 0) this.stop();
      },
    };
  }

  /**
   * Reads the live keys and ends the streams of any watched key that is gone. A poll's read already
   * under way is shared; `fresh` (a revoke this process just made) waits for a read begun after it,
   * since one under way may have read the keys before the revoke.
   */
  check(options: { fresh?: boolean } = {}): Promise<void> {
    if (options.fresh && this.checking) return this.checking.then(() => this.check());
    if (this.open.size === 0) return Promise.resolve();
    this.checking ??= this.keys()
      .hashes()
      .then(
        (live) => {
          const known = new Set(live.map((k) => k.hash.toString('hex')));
          for (const [hash, streams] of this.open) {
            if (known.has(hash)) continue;
            this.open.delete(hash);
            for (const end of streams) end();
          }
          if (this.open.size === 0) this.stop();
        },
        // The store did not answer: asked again at the next tick, nothing ended on a guess.
        () => {},
      )
      .finally(() => (this.checking = undefined));
    return this.checking;
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
