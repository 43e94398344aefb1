/**
 * Where a text holds a stretch of `width` characters of any secret, found in
 * one pass over the text. Searching for each stretch in turn (one indexOf per
 * stretch, per form, per secret) read the text ~300 times with three real
 * keys (an OpenAI project key alone has 157 stretches of 8): ~70 µs of every
 * served request's texts and ~3.6 ms of a 60 KB pipeline document. Here a
 * rolling hash of each window of the text is looked up among the stretches'
 * hashes (Rabin–Karp), and a hit is confirmed by comparing the characters.
 */
export class SecretPieces {
  /** Stretches by their hash (kept in small-integer range for a fast Map key); each with the secret it is of. */
  private readonly byHash = new Map<number, Array<{ piece: string; secret: number }>>();
  /** A bit per low 16 bits of a stretch's hash: most windows are passed over without a Map lookup. */
  private readonly seen = new Uint8Array(1 << 13);
  /** BASE to the power width - 1 (mod 2^32): what the character leaving the window weighs. */
  private readonly outgoing: number;

  /** `forms[i]`: the texts secret i is written as (each at least `width` long). */
  constructor(
    forms: ReadonlyArray<readonly string[]>,
    private readonly width: number,
  ) {
    let power = 1;
    for (let i = 1; i < width; i++) power = Math.imul(power, BASE);
    this.outgoing = power;
    forms.forEach((texts, secret) => {
      for (const text of texts) {
        for (let j = 0; j + width <= text.length; j++) {
          const piece = text.slice(j, j + width);
          const h = hashOf(piece, width);
          const list = this.byHash.get(h & SMALL) ?? this.byHash.set(h & SMALL, []).get(h & SMALL)!;
          if (!list.some((p) => p.piece === piece && p.secret === secret)) list.push({ piece, secret });
          this.seen[(h & LOW) >> 3] |= 1 << (h & 7);
        }
      }
    });
  }

  get empty(): boolean {
    return this.byHash.size === 0;
  }

  /**
   * Each place `text` holds a stretch, in order: `visit(at, secret)` for the stretch at `at` (its first
   * secret, in the order given); a visit that answers true stops the scan.
   */
  scan(text: string, visit: (at: number, secret: number) => boolean | void): void {
    const w = this.width;
    if (text.length < w || this.empty) return;
    let h = 0;
    for (let i = 0; i < w; i++) h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0;
    for (let at = 0; ; at++) {
      if (this.seen[(h & LOW) >> 3] & (1 << (h & 7))) {
        const list = this.byHash.get(h & SMALL);
        if (list) {
          for (const p of list) {
            if (text.startsWith(p.piece, at)) {
              if (visit(at, p.secret) === true) return;
              break;
            }
          }
        }
      }
      if (at + w >= text.length) return;
      h = (Math.imul(h - Math.imul(text.charCodeAt(at), this.outgoing), BASE) + text.charCodeAt(at + w)) | 0;
    }
  }
}

const BASE = 0x01000193;
const LOW = 0xffff;
const SMALL = 0x3fffffff;

function hashOf(text: string, width: number): number {
  let h = 0;
  for (let i = 0; i < width; i++) h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0;
  return h;
}
