/**
 * What a read cache asks before it answers from memory: a number that moves
 * whenever the rows it caches may have changed (sqlite-change-clock.ts). A
 * store that cannot tell (PostgreSQL: other processes write without telling
 * this one) has no clock, and its reads are not cached.
 */
export interface ChangeClock {
  now(): number;
}

/** Entries kept at most (the oldest is dropped first). */
const DEFAULT_SIZE = 1024;

/**
 * Reads that are the same until a write: the serving path's label and version
 * lookups, asked on every request. An entry is kept only when the clock did
 * not move while it was read, and all entries go when it moves, so a value
 * read before a write can never be answered after it.
 */
export class ReadCache<V> {
  private readonly entries = new Map<string, V>();
  private epoch = -1;

  constructor(
    private readonly clock: ChangeClock | undefined,
    private readonly size = DEFAULT_SIZE,
  ) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    if (!this.clock) return load();
    const before = this.clock.now();
    if (before !== this.epoch) {
      this.entries.clear();
      this.epoch = before;
    }
    if (this.entries.has(key)) return this.entries.get(key)!;
    const value = await load();
    // Kept only if nothing was written while it was read (and no newer epoch has begun meanwhile).
    if (this.clock.now() === before && this.epoch === before) {
      if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, value);
    }
    return value;
  }
}
