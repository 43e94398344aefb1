import { createHash } from 'node:crypto';
import type { RunEvent } from '@patchbay/core';
import { RunValuePlaces } from '../store/run-values';
import type { RunRecord } from '../store/runs';

/**
 * `?cut=N` on GET /api/runs/:id and …/events: a value at one of a run's places (RunValuePlaces) longer than N
 * characters (a string's own characters, anything else's JSON text) is given as
 * `{"$patchbayCut": {hash, type, chars, preview}}`, and GET /api/runs/:id/values/:hash gives it whole. A value of
 * megabytes passes through every node on its way to the output, so opening such a run carried it ~15 times.
 */
export const CUT_KEY = '$patchbayCut';

export interface CutValue {
  /** SHA-256 (hex) of the value's JSON text, as GET /api/runs/:id/values/:hash answers it. */
  hash: string;
  type: 'string' | 'json';
  /** The string's length, or the JSON text's (UTF-16 code units, as JavaScript counts). */
  chars: number;
  /** Its first N characters (of the JSON text when it is not a string). */
  preview: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A value's JSON text as an answer gives it (secrets masked) and its hash; each value is read once however often it recurs. */
class ValueTexts {
  private readonly seen = new Map<unknown, { text: string; hash: string }>();

  constructor(private readonly redact: (json: string) => string) {}

  of(v: unknown): { text: string; hash: string } {
    let known = this.seen.get(v);
    if (!known) {
      const text = this.redact(JSON.stringify(v));
      known = { text, hash: sha256(text) };
      this.seen.set(v, known);
    }
    return known;
  }
}

/** How the placeholder's key is written in JSON text: a string holding it has its quotes escaped, so only a key matches. */
const CUT_KEY_TEXT = `${JSON.stringify(CUT_KEY)}:`;

/**
 * Whether `v` is cut at `limit` characters: null, numbers and booleans never are. An object holding a placeholder's
 * key anywhere (a pipeline that reads Patchbay's own answers) is cut however short: a reader must never take it for a cut.
 */
function isCut(v: unknown, limit: number, texts: ValueTexts): boolean {
  if (typeof v === 'string') return v.length > limit;
  if (v === null || typeof v !== 'object') return false;
  const { text } = texts.of(v);
  return text.length > limit || text.includes(CUT_KEY_TEXT);
}

/** Where a preview of `limit` characters ends: one before, rather than between the two halves of a surrogate pair. */
function previewEnd(text: string, limit: number): number {
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}

/** Cuts the values of a record or events longer than `limit` characters to placeholders. */
export class ValueCut extends RunValuePlaces {
  private readonly texts: ValueTexts;
  private readonly cuts = new Map<unknown, { [CUT_KEY]: CutValue }>();

  constructor(
    private readonly limit: number,
    redact: (json: string) => string,
  ) {
    super();
    this.texts = new ValueTexts(redact);
  }

  value(v: unknown): unknown {
    if (!isCut(v, this.limit, this.texts)) return v;
    let cut = this.cuts.get(v);
    if (!cut) {
      const { text, hash } = this.texts.of(v);
      // The masked string, not the one given: a preview never shows what the whole would not.
      const shown = typeof v === 'string' ? (JSON.parse(text) as string) : text;
      cut = { [CUT_KEY]: { hash, type: typeof v === 'string' ? 'string' : 'json', chars: shown.length, preview: shown.slice(0, previewEnd(shown, this.limit)) } };
      this.cuts.set(v, cut);
    }
    return cut;
  }

  /** A node.token's text too: a model (offline:echo) may send its whole answer as one. */
  override event<E>(e: E): E {
    const event = e as RunEvent;
    if (event.type === 'node.token') return { ...event, text: this.value(event.text) } as E;
    return super.event(e);
  }
}

/** Finds the value whose JSON text hashes to `hash` at a record's places: its text, or undefined. */
export function findValueText(record: RunRecord, hash: string, redact: (json: string) => string): string | undefined {
  const texts = new ValueTexts(redact);
  let found: string | undefined;
  const finder = new (class extends RunValuePlaces {
    value(v: unknown): unknown {
      if (found === undefined && v !== null && (typeof v === 'object' || typeof v === 'string')) {
        const known = texts.of(v);
        if (known.hash === hash) found = known.text;
      }
      return v;
    }
  })();
  finder.record(record);
  return found;
}
