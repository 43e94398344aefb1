import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { checkJsonLimits, PROTO_KEY_MESSAGE } from '../../engine/json-limits';
import { NUMBER_ID_TOO_LARGE, numberIdReadsExactly } from '../../engine/number-id';
import type { IngestItem } from './store';
import { fileDocId } from './file-doc-id';
import { RetrievalInputError } from './retrieval-input-error';
import { readTextFile } from './text-file';

export const INGEST_EXTENSIONS = ['.md', '.markdown', '.txt', '.json', '.jsonl'] as const;
/** Files one ingest reads at most: their text, chunks and vectors are held in memory until it commits. */
export const MAX_INGEST_BYTES = 256 * 1024 * 1024;

/**
 * Reads files into ingestable items. `.md`/`.txt`: the whole file is one document.
 * `.json`: an array of documents (or one document); `.jsonl`: one document per
 * line. A JSON document is a string, or an object with `text` (or `content`), an
 * optional `id`, and any other fields kept as metadata. `source` is always the
 * path as given (read relative to `cwd`, default the process's); ids made from
 * the path use its normal form (file-doc-id.ts). Everything is
 * read and checked before anything is returned, so a bad file adds nothing.
 */
export async function readIngestFiles(paths: string[], options: { cwd?: string; maxBytes?: number } = {}): Promise<IngestItem[]> {
  const items: IngestItem[] = [];
  const budget = { used: 0, max: options.maxBytes ?? MAX_INGEST_BYTES };
  for (const path of paths) {
    const ext = extname(path).toLowerCase();
    const cwd = options.cwd ?? process.cwd();
    const file = resolve(cwd, path);
    const id = fileDocId(path, cwd);
    // A folder has no extension of its own: say it is a folder rather than an unsupported type.
    if (!(INGEST_EXTENSIONS as readonly string[]).includes(ext) && !(await isFolder(file))) {
      throw new RetrievalInputError(`${path}: unsupported file type "${ext || '(none)'}"; supported: ${INGEST_EXTENSIONS.join(', ')}`);
    }
    const raw = await readTextFile(file, path, budget);
    if (ext === '.json') items.push(...fromJson(path, id, raw));
    else if (ext === '.jsonl') items.push(...fromJsonLines(path, id, raw));
    // Even blank: a file emptied since it was indexed replaces (so removes) its old text, which would otherwise still be found.
    else items.push({ id, text: raw, source: path });
  }
  return items;
}

function fromJson(path: string, id: string, raw: string): IngestItem[] {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new RetrievalInputError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const docs = Array.isArray(value) ? value : [value];
  return docs.map((doc, i) => toItem(doc, path, Array.isArray(value) ? `${id}:${i + 1}` : id, Array.isArray(value) ? `[${i}]` : ''));
}

function fromJsonLines(path: string, id: string, raw: string): IngestItem[] {
  const items: IngestItem[] = [];
  raw.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new RetrievalInputError(`${path}:${i + 1}: not valid JSON`);
    }
    items.push(toItem(value, path, `${id}:${i + 1}`, `:${i + 1}`));
  });
  return items;
}

function toItem(doc: unknown, path: string, defaultId: string, where: string): IngestItem {
  // Metadata comes back in every search result and run output: it keeps to what a run may carry.
  // A lone surrogate (`\ud800` in the file) is no text the index can store: it would read back as U+FFFD.
  const limit = checkJsonLimits(doc, { refuseProtoKey: true, refuseLoneSurrogates: true });
  if (limit?.kind === 'depth') throw new RetrievalInputError(`${path}${where}: ${limit.shownPath} nests deeper than the limit of ${limit.maxDepth} levels`);
  if (limit?.kind === 'proto-key') throw new RetrievalInputError(`${path}${where}: ${limit.path}: ${PROTO_KEY_MESSAGE}`);
  if (limit?.kind === 'lone-surrogate') throw new RetrievalInputError(`${path}${where}: ${limit.path}: a lone surrogate (${limit.unit}), which is not Unicode text`);
  if (typeof doc === 'string') return { id: defaultId, text: doc, source: path };
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    const { text, content, id, metadata, ...rest } = doc as Record<string, unknown>;
    const body = text ?? content;
    if (typeof body !== 'string') {
      throw new RetrievalInputError(`${path}${where}: a document needs a string "text" (or "content") field`);
    }
    if (id != null && typeof id !== 'string' && typeof id !== 'number') {
      throw new RetrievalInputError(`${path}${where}: "id" must be a string or a number, got ${Array.isArray(id) ? 'an array' : typeof id === 'object' ? 'an object' : `a ${typeof id}`}`);
    }
    if (typeof id === 'number' && !numberIdReadsExactly(id)) throw new RetrievalInputError(`${path}${where}: "id" ${NUMBER_ID_TOO_LARGE}; write the id as text, in quotes`);
    if (metadata != null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
      throw new RetrievalInputError(`${path}${where}: "metadata" must be an object of fields, got ${Array.isArray(metadata) ? 'an array' : `a ${typeof metadata}`}`);
    }
    const meta = { ...rest, ...((metadata ?? {}) as Record<string, unknown>) };
    return {
      id: typeof id === 'string' || typeof id === 'number' ? String(id) : defaultId,
      text: body,
      source: path,
      ...(Object.keys(meta).length ? { metadata: meta } : {}),
    };
  }
  throw new RetrievalInputError(`${path}${where}: expected a string or an object with a "text" field`);
}

async function isFolder(file: string): Promise<boolean> {
  return stat(file).then((info) => info.isDirectory(), () => false);
}
