/**
 * Compiled expressions by source, lent to one evaluation at a time: compiling costs
 * ~10× a small evaluation (a transform on every served run, a map's every item), and
 * an expression holds its entry hook (jsonata-expression.ts), which is each evaluation's own.
 *
 * Bounded by how many idle expressions it keeps in all (least recently used source
 * first), not by how many sources: a pipeline of 200 transforms with 200 expressions
 * is 200 sources, and a bound of 64 sources made every run of it compile 136 of them
 * again (84 µs a transform instead of ~7). As many of one source are kept as runs
 * or map items evaluate it at once, up to `perSource`.
 */
export class ExpressionPool<E> {
  /** Idle expressions; the Map's order is least recently used source first. */
  private readonly idle = new Map<string, E[]>();
  private idleCount = 0;

  constructor(
    private readonly compile: (source: string) => E,
    // A compiled expression is ~20 KB: 512 idle ones are ~10 MB.
    private readonly maxIdle = 512,
    // A map node runs at most 64 items at once.
    private readonly perSource = 64,
  ) {}

  /** Expressions kept idle now (at most maxIdle). */
  get size(): number {
    return this.idleCount;
  }

  take(source: string): E {
    const list = this.idle.get(source);
    const expression = list?.pop();
    if (expression === undefined) return this.compile(source);
    this.idleCount--;
    this.idle.delete(source);
    if (list!.length > 0) this.idle.set(source, list!);
    return expression;
  }

  give(source: string, expression: E): void {
    const list = this.idle.get(source) ?? [];
    if (list.length >= this.perSource) return;
    list.push(expression);
    this.idleCount++;
    this.idle.delete(source);
    this.idle.set(source, list);
    while (this.idleCount > this.maxIdle) {
      const [oldest, kept] = this.idle.entries().next().value!;
      kept.shift();
      this.idleCount--;
      if (kept.length === 0) this.idle.delete(oldest);
    }
  }
}
