import { createHash } from 'node:crypto';
import { RetrievalInputError } from './retrieval-input-error';

const INDEX_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Index names end up in URLs (`/api/indexes/:name`) and CLI arguments: keep them plain. */
export function validateIndexName(name: string): void {
  if (typeof name !== 'string' || !INDEX_NAME.test(name)) {
    throw new RetrievalInputError(`invalid index name "${name}": use letters, digits, "-", "_" or "." (at most 64, starting with a letter or digit)`);
  }
}

/** A document's id: its own, else a hash of its text, so ingesting the same text twice replaces it. */
export function docIdOf(item: { id?: string; text: string }): string {
  if (item.id !== undefined && item.id !== '') return String(item.id);
  return `doc-${createHash('sha256').update(item.text).digest('hex').slice(0, 12)}`;
}

/** A document id that reads as a chunk id (`guide#2`): kept whole, it would be another document's second chunk. */
const LOOKS_NUMBERED = /#[1-9]\d*$/;

/**
 * A chunk's id: the document's when it is one chunk, else `doc#n` (from 1). A
 * document whose own id ends in `#N` is always numbered (`guide#2#1`), so no
 * chunk id is ever two chunks': an id ending in `#N` is then always its
 * document's id before the last `#`.
 */
export function chunkIdOf(docId: string, n: number, total: number): string {
  return total === 1 && !LOOKS_NUMBERED.test(docId) ? docId : `${docId}#${n + 1}`;
}

/**
 * One ingest holds each document id once: a second text under an id would
 * replace the first without a word (two JSONL files numbering from 1). The
 * same text again (overlapping globs) is kept once. Returns the items to index.
 */
export function uniqueById<T extends { docId: string; item: { text: string; source?: string } }>(prepared: T[]): T[] {
  const first = new Map<string, number>();
  const keep: T[] = [];
  prepared.forEach((p, i) => {
    const seen = first.get(p.docId);
    if (seen === undefined) {
      first.set(p.docId, i);
      keep.push(p);
      return;
    }
    const earlier = prepared[seen].item;
    if (earlier.text === p.item.text) return;
    const where =
      earlier.source && p.item.source && earlier.source !== p.item.source
        ? `is in ${earlier.source} and in ${p.item.source}`
        : `is given twice (${p.item.source ? `${p.item.source}, ` : ''}documents ${seen + 1} and ${i + 1})`;
    throw new RetrievalInputError(`document id "${p.docId}" ${where} with different texts; give each document its own id`, { item: i, field: 'id' });
  });
  return keep;
}
