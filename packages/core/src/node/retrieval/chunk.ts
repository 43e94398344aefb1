import { RetrievalInputError } from './retrieval-input-error';

/**
 * Splits a document into chunks for indexing: whole paragraphs (blank-line
 * separated) are packed together up to `chunkSize` characters; a paragraph longer
 * than that is cut at word boundaries. Each chunk after the first starts with the
 * last ≤ `overlap` characters of the one before (cut at a word boundary), so a
 * sentence that straddles a border can still be found whole.
 */

export interface ChunkOptions {
  /** Maximum characters per chunk (default 1000). */
  chunkSize?: number;
  /** Characters repeated from the end of the previous chunk (default 100). */
  overlap?: number;
}

export const DEFAULT_CHUNK_SIZE = 1000;
export const DEFAULT_OVERLAP = 100;
/** Smaller chunks would hold little more than the overlap. */
export const MIN_CHUNK_SIZE = 20;

export function chunkText(text: string, options: ChunkOptions = {}): string[] {
  const size = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const overlap = options.overlap ?? DEFAULT_OVERLAP;
  if (!Number.isInteger(size) || size < MIN_CHUNK_SIZE) throw new RetrievalInputError(`chunkSize must be an integer of at least ${MIN_CHUNK_SIZE}, got ${size}`, { field: 'chunkSize' });
  // A small chunkSize with no overlap given is refused for the default, which the caller never typed: say so.
  if (options.overlap === undefined && overlap >= size / 2) {
    const most = Math.ceil(size / 2) - 1;
    throw new RetrievalInputError(`a chunkSize of ${size} leaves no room for the default overlap (${overlap}), which must be less than half of it: give an overlap of ${most} or less`, { field: 'chunkSize' });
  }
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size / 2) {
    throw new RetrievalInputError(`overlap must be an integer from 0 to less than half the chunk size (${size}), got ${overlap}`, { field: 'overlap' });
  }
  // Room left for new text once the overlap is prepended, so no chunk exceeds `size`.
  const body = size - overlap;
  const pieces = paragraphs(text).flatMap((p) => (p.length > body ? splitWords(p, body) : [p]));

  const bodies: string[] = [];
  let current = '';
  for (const piece of pieces) {
    if (current && current.length + 2 + piece.length > body) {
      bodies.push(current);
      current = '';
    }
    current = current ? `${current}\n\n${piece}` : piece;
  }
  if (current) bodies.push(current);

  return bodies.map((b, i) => {
    if (i === 0 || overlap === 0) return b;
    const tail = tailAtWord(bodies[i - 1], overlap);
    return tail ? `${tail}\n\n${b}` : b;
  });
}

function paragraphs(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n+/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** Cuts an over-long paragraph into pieces of at most `max` characters, at spaces where possible. */
function splitWords(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf(' ', max);
    if (cut <= 0) cut = max; // one enormous "word": cut it hard
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) out.push(rest);
  return out;
}

/** The last ≤ `max` characters of `text`, starting at a word. */
function tailAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const start = text.length - max;
  const space = text.slice(start).search(/\s/);
  return space < 0 ? '' : text.slice(start + space).trim();
}
