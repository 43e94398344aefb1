/**
 * Undo/redo as two stacks of snapshots. `record(before, key)` is called just
 * before a change with the state it replaces; consecutive records with the same
 * key (typing in one field) merge into one undo step, so Ctrl+Z undoes the edit,
 * not one keystroke.
 */
export class History<T> {
  private past: T[] = [];
  private future: T[] = [];
  private lastKey: string | undefined;

  constructor(private readonly limit = 200) {}

  record(before: T, key?: string): void {
    this.future = [];
    if (key !== undefined && key === this.lastKey) return;
    this.past.push(before);
    if (this.past.length > this.limit) this.past.shift();
    this.lastKey = key;
  }

  /** Ends merging: the next keyed record starts a new step even with the same key. */
  seal(): void {
    this.lastKey = undefined;
  }

  undo(current: T): T | undefined {
    const previous = this.past.pop();
    if (previous === undefined) return undefined;
    this.future.push(current);
    this.lastKey = undefined;
    return previous;
  }

  redo(current: T): T | undefined {
    const next = this.future.pop();
    if (next === undefined) return undefined;
    this.past.push(current);
    this.lastKey = undefined;
    return next;
  }

  clear(): void {
    this.past = [];
    this.future = [];
    this.lastKey = undefined;
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }

  get canRedo(): boolean {
    return this.future.length > 0;
  }
}
