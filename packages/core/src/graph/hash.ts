import { configure } from 'safe-stable-stringify';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { canonicalJsonDeep } from './canonical-json-deep';

// Sorted keys (by UTF-16 code units), no whitespace, numbers and strings as JSON.stringify writes them: for
// JSON data that is RFC 8785's output byte for byte (a test holds it to the `canonicalize` package), at a
// third of its cost, which counts where a key is taken per model call and per dataset case.
const stringify = configure({ deterministic: true, strict: true, bigint: false, circularValue: Error });

/** RFC 8785 canonical JSON: sorted keys, no whitespace, canonical numbers. Throws on a value JSON cannot hold. */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = stringify(value);
  } catch (err) {
    // The fast writer recurses: a value nested deeper than the stack allows takes the iterative one (same output).
    if (err instanceof RangeError) return canonicalJsonDeep(value);
    throw err;
  }
  if (text === undefined) throw new TypeError(`cannot write ${typeof value} as canonical JSON`);
  return text;
}

function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** Hex SHA-256 of the canonical JSON of the whole document: any edit, a move included, changes it. */
export function contentHash(doc: unknown): string {
  return sha256Hex(canonicalJson(doc));
}

/**
 * Hex SHA-256 of the document without what cannot change a run: node `position`
 * and `label`, document `title` and `description`. Versions that differ only in
 * layout share it, and so share cached results.
 */
export function behaviorHash(doc: unknown): string {
  return sha256Hex(canonicalJson(behaviorPart(doc)));
}

function behaviorPart(doc: unknown): unknown {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return doc;
  const { title: _title, description: _description, ...rest } = doc as Record<string, unknown>;
  if (!Array.isArray(rest.nodes)) return rest;
  return {
    ...rest,
    nodes: rest.nodes.map((node) => {
      if (typeof node !== 'object' || node === null || Array.isArray(node)) return node;
      const { position: _position, label: _label, ...kept } = node as Record<string, unknown>;
      return kept;
    }),
  };
}
