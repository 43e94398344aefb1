/** Lets the event loop run every SLICE_MS of work, and stops at an abort. */
const SLICE_MS = 20;

export class Slicer {
  private last = Date.now();
  constructor(private readonly signal?: AbortSignal) {}

  async turn(): Promise<void> {
    if (Date.now() - this.last < SLICE_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.signal?.throwIfAborted();
    this.last = Date.now();
  }
}
