import { createHash } from 'node:crypto';
import type { NodeTrace, RunEvent } from '@patchbay/core';

/**
 * A trace stores a value once. One node output travels through a run: it is
 * the node's output, the next node's input, the run's output and the
 * `run.completed` event's; stored as is, a 100 MB output took 500 MB. A value
 * of SHARE_FROM_CHARS or more at one of those places is written once per run
 * (table `run_values`, keyed by the SHA-256 of its redacted JSON text) and
 * each place holds `{"$patchbayValue": "<hash>"}` instead; reads put the value
 * back, so clients see the same records and events as before.
 */
export const VALUE_REF = '$patchbayValue';
/** Smaller values stay inline: the reference would save little and the hash would cost more. */
export const SHARE_FROM_CHARS = 4096;

export interface SharedValue {
  hash: string;
  /** The value's redacted JSON text. */
  value: string;
}

/**
 * The places a run carries its values: its inputs and outputs, each node's trace inputs, outputs and call
 * inputs and outputs (a child run's too), and the events that repeat them. `value` says what each becomes:
 * the store shares them (ValueSharing), `?cut=N` cuts them (runs/value-cut.ts).
 */
export abstract class RunValuePlaces {
  abstract value(v: unknown): unknown;

  ports<T extends Record<string, unknown> | null | undefined>(ports: T): T {
    if (!ports) return ports;
    // fromEntries defines each key: a port or output named `__proto__` stays a key (assigning it would set the prototype and drop it).
    return Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, this.value(v)])) as T;
  }

  trace(t: NodeTrace): NodeTrace {
    const shared: NodeTrace = { ...t };
    if (t.inputs) shared.inputs = this.ports(t.inputs);
    if (t.outputs) shared.outputs = this.ports(t.outputs);
    if (t.calls) shared.calls = t.calls.map((c) => ({ ...c, ...('input' in c ? { input: this.value(c.input) } : {}), ...('output' in c ? { output: this.value(c.output) } : {}) }));
    if (t.child) shared.child = { ...t.child, nodes: this.nodes(t.child.nodes) };
    return shared;
  }

  nodes(nodes: Record<string, NodeTrace>): Record<string, NodeTrace> {
    const out: Record<string, NodeTrace> = {};
    for (const [id, t] of Object.entries(nodes)) out[id] = this.trace(t);
    return out;
  }

  /** A run record's (runs.ts) values so treated. */
  record<R extends { inputs: Record<string, unknown>; outputs: Record<string, unknown> | null; nodes: Record<string, NodeTrace> }>(r: R): R {
    return { ...r, inputs: this.ports(r.inputs), outputs: this.ports(r.outputs), nodes: this.nodes(r.nodes) };
  }

  /** An event with its inputs, outputs or trace so treated (a node event as stored has no trace: see storedEvent). */
  event<E>(e: E): E {
    const event = e as RunEvent;
    if (event.type === 'run.started') return { ...event, inputs: this.ports(event.inputs) } as E;
    if (event.type === 'run.completed') return { ...event, outputs: this.ports(event.outputs) } as E;
    if ((event.type === 'node.completed' || event.type === 'node.failed') && event.trace) return { ...event, trace: this.trace(event.trace) } as E;
    return e;
  }
}

/** Replaces large values at the places a run repeats them with references, collecting each value once. */
export class ValueSharing extends RunValuePlaces {
  private readonly found = new Map<string, string>();

  constructor(private readonly redact: (json: string) => string) {
    super();
  }

  get values(): SharedValue[] {
    return [...this.found].map(([hash, value]) => ({ hash, value }));
  }

  value(v: unknown): unknown {
    if (v === null || (typeof v !== 'object' && typeof v !== 'string') || !reaches(v, SHARE_FROM_CHARS)) return v;
    const text = this.redact(JSON.stringify(v));
    const hash = createHash('sha256').update(text).digest('hex');
    this.found.set(hash, text);
    return { [VALUE_REF]: hash };
  }
}

/** Whether `value`'s JSON text has at least `chars` characters, looking no further than needed (and without recursion). */
function reaches(value: unknown, chars: number): boolean {
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') n += v.length + 2;
    else if (Array.isArray(v)) {
      n += 1 + v.length;
      if (n >= chars) return true; // before pushing a long array's items
      for (const item of v) stack.push(item);
    } else if (v !== null && typeof v === 'object') {
      n += 1;
      for (const [k, item] of Object.entries(v)) {
        n += k.length + 4;
        stack.push(item);
      }
    } else n += 4;
    if (n >= chars) return true;
  }
  return false;
}

/** A reference ({[VALUE_REF]: hash}) as JSON.stringify writes it: a string holding one has its quotes escaped, so never matches. */
const REF_TEXT = /"\$patchbayValue":"([0-9a-f]{64})"/g;

/** The hashes of the values a stored text refers to (a value it holds that looks like a reference may be among them: valueReviver tells). */
export function valueRefsIn(text: string): string[] {
  return [...text.matchAll(REF_TEXT)].map((m) => m[1]);
}

/** `JSON.parse` for a run's stored texts: references become their values again (each value parsed once). */
export function valueReviver(values: SharedValue[]): (text: string) => any {
  if (values.length === 0) return JSON.parse;
  const texts = new Map(values.map((v) => [v.hash, v.value]));
  const parsed = new Map<string, unknown>();
  const revive = (_key: string, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const hash = (v as Record<string, unknown>)[VALUE_REF];
    if (typeof hash !== 'string' || Object.keys(v).length !== 1 || !texts.has(hash)) return v;
    if (!parsed.has(hash)) parsed.set(hash, JSON.parse(texts.get(hash)!));
    return parsed.get(hash);
  };
  return (text: string) => JSON.parse(text, revive);
}
