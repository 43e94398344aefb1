import { ReachProbe, type Reach } from '../reach-probe';
import { isStoreUnavailable } from './store-unavailable';

/**
 * When the database cannot be written (the disk is full, the file system fails),
 * a write is refused with a StorageFailure — the caller answers 507/503 and
 * acknowledges nothing — and the store's health remembers it, so `/healthz`
 * reports `degraded` with the reason until 30 s have passed without another.
 */

export type StorageFailureKind = 'full' | 'unavailable';

export class StorageFailure extends Error {
  override name = 'StorageFailure';
  constructor(
    readonly kind: StorageFailureKind,
    override readonly cause: Error,
  ) {
    super(kind === 'full' ? 'the runner\'s storage is full: nothing was stored; free space and try again' : `the runner's storage cannot be written (${cause.message}): nothing was stored`);
  }
}

/** SQLite result codes and PostgreSQL SQLSTATEs that mean "storage", not "this request". */
export function asStorageFailure(err: unknown): StorageFailure | undefined {
  if (err instanceof StorageFailure) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  // SQLite: SQLITE_FULL (max_page_count, ENOSPC); a write cut by a file-size limit is an I/O error.
  // PostgreSQL: 53100 disk_full, 53xxx insufficient resources, 58030 io_error.
  if (code === 'SQLITE_FULL' || code === '53100') return new StorageFailure('full', err as Error);
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_') || code === '58030') return new StorageFailure('unavailable', err as Error);
  return undefined;
}

export type StorageState = Reach;

/** How long after the last storage failure the runner still reports `degraded`: a small write can slip in under a nearly full disk, so one success proves little. */
const DEGRADED_FOR_MS = 30_000;

/** A store that may be out of reach (PostgreSQL): how to ask it, and its reason in words when it does not answer. */
export interface StoreProbe {
  ask(): Promise<unknown>;
  reason(err: unknown): string;
}

/** Whether writes failed for want of storage lately, and whether a store over the network answers. */
export class StorageHealth {
  private failure: { reason: string; since: number; last: number } | undefined;
  private readonly probe: ReachProbe | undefined;

  constructor(store?: StoreProbe) {
    this.probe = store && new ReachProbe('the store (PostgreSQL)', () => store.ask(), (err) => store.reason(err));
  }

  /** Records `err` when it is a storage failure; returns it as one (or undefined). */
  observe(err: unknown): StorageFailure | undefined {
    if (isStoreUnavailable(err)) this.probe?.forget();
    const failure = asStorageFailure(err);
    if (failure) {
      const now = Date.now();
      if (!this.failure || now - this.failure.last >= DEGRADED_FOR_MS) this.failure = { reason: `${failure.message} (${failure.cause.message})`, since: now, last: now };
      else this.failure.last = now;
    }
    return failure;
  }

  /**
   * Whether the store answers (always for SQLite): asked at most every 2 s (ReachProbe), and again at once
   * after a request found it gone (`observe`).
   */
  reachable(): Promise<Reach> {
    return this.probe ? this.probe.check() : Promise.resolve({ ok: true });
  }

  state(): StorageState {
    if (this.failure && Date.now() - this.failure.last >= DEGRADED_FOR_MS) this.failure = undefined;
    return this.failure ? { ok: false, reason: this.failure.reason, since: new Date(this.failure.since).toISOString() } : { ok: true };
  }
}
