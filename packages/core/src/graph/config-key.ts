/**
 * A cache key for a node config: its JSON text, or undefined when the value is
 * not plain JSON (NaN, undefined, a Date, a class instance), where JSON text
 * would make different values look alike and a cached answer could be wrong.
 */
export function configKey(value: unknown): string | undefined {
  try {
    return JSON.stringify(value, function (this: Record<string, unknown>, key, replaced) {
      const original = this[key];
      if (!isPlainJson(original)) throw new NotPlain();
      return replaced;
    });
  } catch {
    return undefined;
  }
}

class NotPlain extends Error {}

function isPlainJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null || Array.isArray(value)) return true;
      const proto = Object.getPrototypeOf(value);
      return proto === Object.prototype || proto === null;
    }
    default:
      return false;
  }
}

/** A per-definition cache that forgets everything when full: configs are few, node types fewer. */
export class ConfigMemo<D extends object, V> {
  private readonly caches = new WeakMap<D, Map<string, V>>();
  constructor(private readonly limit = 4096) {}

  get(def: D, config: unknown, compute: () => V): V {
    const key = configKey(config);
    if (key === undefined) return compute();
    let cache = this.caches.get(def);
    if (!cache) this.caches.set(def, (cache = new Map()));
    if (cache.has(key)) return cache.get(key)!;
    const value = compute();
    if (cache.size >= this.limit) cache.clear();
    cache.set(key, value);
    return value;
  }
}
