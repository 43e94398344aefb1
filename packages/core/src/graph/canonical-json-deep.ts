/**
 * Canonical JSON (RFC 8785 for JSON data: keys sorted by UTF-16 code units, no
 * whitespace, numbers and strings as JSON.stringify writes them) without
 * recursion, for values nested deeper than the fast recursive writer can go:
 * any depth that fits in memory, never a stack overflow.
 */
export function canonicalJsonDeep(root: unknown): string {
  const out: string[] = [];
  type Frame = { items: unknown[]; i: number } | { obj: Record<string, unknown>; keys: string[]; i: number; wrote: boolean };
  const stack: Frame[] = [];
  const open = new Set<object>();
  const containers: object[] = [];

  /** Writes a primitive, or opens a container (pushes its frame); false for a value an object leaves out. */
  const write = (input: unknown, inArray: boolean): boolean => {
    let value = input;
    if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') value = (value as { toJSON(): unknown }).toJSON();
    if (value === undefined) {
      if (!inArray) return false;
      out.push('null');
      return true;
    }
    if (value === null || typeof value === 'boolean' || typeof value === 'string') {
      out.push(JSON.stringify(value));
      return true;
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} as canonical JSON`);
      out.push(JSON.stringify(value));
      return true;
    }
    if (typeof value !== 'object') throw new TypeError(`cannot write ${typeof value} as canonical JSON`);
    if (open.has(value)) throw new TypeError('cannot write a circular value as canonical JSON');
    open.add(value);
    containers.push(value);
    if (Array.isArray(value)) {
      out.push('[');
      stack.push({ items: value, i: 0 });
    } else {
      out.push('{');
      stack.push({ obj: value as Record<string, unknown>, keys: Object.keys(value).sort(), i: 0, wrote: false });
    }
    return true;
  };

  write(root, true);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if ('items' in frame) {
      if (frame.i < frame.items.length) {
        if (frame.i > 0) out.push(',');
        write(frame.items[frame.i++], true);
        continue;
      }
      out.push(']');
    } else {
      if (frame.i < frame.keys.length) {
        const key = frame.keys[frame.i++];
        const at = out.length;
        out.push(`${frame.wrote ? ',' : ''}${JSON.stringify(key)}:`);
        if (write(frame.obj[key], false)) frame.wrote = true;
        else out.length = at;
        continue;
      }
      out.push('}');
    }
    stack.pop();
    open.delete(containers.pop()!);
  }
  return out.join('');
}
