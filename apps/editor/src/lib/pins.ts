/**
 * Pinned node outputs: editor-only, kept with the draft in this browser's
 * local storage per pipeline, never in a document or a version. Runs from the
 * editor send them (`pins`); nothing else does.
 */
export type Pins = Readonly<Record<string, Record<string, unknown>>>;

const NONE: Pins = Object.freeze({});
const key = (pipeline: string) => `patchbay.pins.${pipeline}`;

export class PinStore {
  private pins: Pins;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly pipeline: string,
    private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined = typeof localStorage === 'undefined' ? undefined : localStorage,
  ) {
    this.pins = this.read();
  }

  get = (): Pins => this.pins;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  has(node: string): boolean {
    return Object.hasOwn(this.pins, node);
  }

  pin(node: string, outputs: Record<string, unknown>): void {
    this.write({ ...this.pins, [node]: outputs });
  }

  unpin(node: string): void {
    if (!this.has(node)) return;
    const { [node]: _gone, ...rest } = this.pins;
    this.write(rest);
  }

  /** Pins of nodes that still exist (a deleted node's pin is dropped on the next run). */
  forNodes(ids: ReadonlySet<string>): Pins | undefined {
    const kept = Object.entries(this.pins).filter(([id]) => ids.has(id));
    return kept.length ? Object.fromEntries(kept) : undefined;
  }

  private read(): Pins {
    try {
      const text = this.storage?.getItem(key(this.pipeline));
      const parsed = text ? JSON.parse(text) : undefined;
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : NONE;
    } catch {
      return NONE;
    }
  }

  private write(pins: Pins): void {
    this.pins = pins;
    try {
      if (Object.keys(pins).length === 0) this.storage?.removeItem(key(this.pipeline));
      else this.storage?.setItem(key(this.pipeline), JSON.stringify(pins));
    } catch {
      // storage full or denied: the pins still hold for this page
    }
    this.listeners.forEach((l) => l());
  }
}
