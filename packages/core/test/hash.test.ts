import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { behaviorHash, canonicalJson, contentHash } from '../src/graph/hash';
import { canonicalJsonDeep } from '../src/graph/canonical-json-deep';

const doc = () => ({
  format: 'patchbay.pipeline/v1',
  name: 'demo',
  title: 'Demo',
  description: 'A demo',
  nodes: [
    { id: 'q', type: 'input', label: 'Question', position: { x: 0, y: 0 }, config: { name: 'q', valueType: 'string' } },
    { id: 'out', type: 'output', position: { x: 300, y: 0 }, config: { name: 'answer' } },
  ],
  edges: [{ from: 'q.value', to: 'out.value' }],
});

describe('canonicalJson (RFC 8785)', () => {
  it('sorts keys, drops whitespace and writes numbers canonically', () => {
    expect(canonicalJson({ b: [1, { z: true, a: null }], a: 'x' })).toBe('{"a":"x","b":[1,{"a":null,"z":true}]}');
    expect(canonicalJson({ n: 1.0, big: 1e21, small: 1e-7, neg: -0 })).toBe('{"big":1e+21,"n":1,"neg":0,"small":1e-7}');
    expect(canonicalJson({ '\u20ac': 1, '\r': 2 })).toBe('{"\\r":2,"€":1}');
  });

  it('writes any JSON value byte for byte as the RFC 8785 reference does (stored hashes stay valid)', () => {
    // Numbers that RFC 8785 and JSON.stringify write alike: every finite double but -0's sign, which both drop.
    const json = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });
    fc.assert(fc.property(json, (value) => canonicalJson(value) === canonicalize(value)), { numRuns: 2000 });
    const tricky = { '\u00e9': 1, e: 2, '\ud83d\ude80': [1e21, 1e-7, 0.1 + 0.2, -0, 2 ** 53], '': { '\u2028': '\u0000\u001f"\\' } };
    expect(canonicalJson(tricky)).toBe(canonicalize(tricky));
  });

  it('writes a value nested deeper than the stack allows (100,000 levels) with the iterative writer, which agrees with the reference', () => {
    const json = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });
    fc.assert(fc.property(json, (value) => canonicalJsonDeep(value) === canonicalize(value)), { numRuns: 1000 });
    let deep: unknown = { leaf: [1, 'x'] };
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { b: deep, a: i };
    const text = canonicalJson(deep);
    expect(text.startsWith('[{"a":99998,"b":[{"a":99996,')).toBe(true);
    expect(text.endsWith('{"leaf":[1,"x"]}' + '}]'.repeat(50_000))).toBe(true);
    expect(contentHash(deep)).toMatch(/^[0-9a-f]{64}$/);
    const circular: Record<string, unknown> = {};
    circular.self = [circular];
    expect(() => canonicalJsonDeep(circular)).toThrow(/circular/);
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => canonicalJson(NaN)).toThrow();
    expect(() => canonicalJson(undefined)).toThrow(/canonical JSON/);
    expect(() => canonicalJson({ a: Infinity })).toThrow();
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => canonicalJson(loop)).toThrow();
  });
});

describe('contentHash and behaviorHash', () => {
  it('contentHash is the hex SHA-256 of the canonical JSON', () => {
    const expected = createHash('sha256').update(canonicalJson(doc())).digest('hex');
    expect(contentHash(doc())).toBe(expected);
    expect(contentHash(doc())).toMatch(/^[0-9a-f]{64}$/);
  });

  it('key order does not matter', () => {
    const shuffled = JSON.parse(JSON.stringify(doc()), function (this: unknown, _key, value) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
      return Object.fromEntries(Object.entries(value).reverse());
    });
    expect(JSON.stringify(shuffled)).not.toBe(JSON.stringify(doc()));
    expect(contentHash(shuffled)).toBe(contentHash(doc()));
    expect(behaviorHash(shuffled)).toBe(behaviorHash(doc()));
  });

  it('two documents that differ only in layout, labels, title and description share behaviorHash, not contentHash', () => {
    const moved = doc();
    moved.nodes[0].position = { x: 50, y: 80 };
    delete (moved.nodes[1] as { position?: unknown }).position;
    moved.nodes[0].label = 'Renamed';
    moved.title = 'Other title';
    moved.description = 'Other words';
    expect(contentHash(moved)).not.toBe(contentHash(doc()));
    expect(behaviorHash(moved)).toBe(behaviorHash(doc()));
  });

  it('a change of behaviour changes both hashes', () => {
    const changed = doc();
    changed.nodes[1].config.name = 'reply';
    expect(contentHash(changed)).not.toBe(contentHash(doc()));
    expect(behaviorHash(changed)).not.toBe(behaviorHash(doc()));
    const rewired = doc();
    rewired.edges = [];
    expect(behaviorHash(rewired)).not.toBe(behaviorHash(doc()));
  });
});
