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

/** A chunk's id: the document's when it is one chunk, else `doc#n` (from 1). */
export function chunkIdOf(docId: string, n: number, total: number): string {
  return total === 1 ? docId : `${docId}#${n + 1}`;
}
