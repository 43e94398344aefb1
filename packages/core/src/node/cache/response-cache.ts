import { hash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ChatRequest, ChatResult } from '../../engine/services';
import { canonicalJson } from '../../graph/hash';
import { parseModelName } from '../../nodes/model-name';
import { CacheStore } from './cache-store';

/**
 * Model replies stored by request, in `<dataDir>/cache.sqlite`. Keys are SHA-256
 * hashes of the canonical request (provider, model, messages, parameters, tools,
 * schema): no key, header or base URL ever goes into a key or a row, so the file
 * can be shared or deleted freely.
 */
export interface ResponseCache {
  /** Where it lives: the SQLite file, or a description of the shared store (scaled out, the runner's PostgreSQL). */
  readonly file: string;
  /** Reads may be async (a cache in a database server); writes are queued and never make a call wait. */
  getChat(key: string): ChatResult | undefined | Promise<ChatResult | undefined>;
  putChat(key: string, result: ChatResult): void;
  getVectors(keys: string[]): (number[] | undefined)[] | Promise<(number[] | undefined)[]>;
  putVectors(entries: Array<[key: string, vector: number[]]>): void;
  /** Number of stored replies and vectors. */
  size(): number | Promise<number>;
  clear(): void | Promise<void>;
  close(): void | Promise<void>;
}

export const CACHE_FILE_NAME = 'cache.sqlite';

/** `redact` masks secrets in a reply's JSON before it is stored (a model that echoes a key must not leave it in the file). */
export function openResponseCache(dataDir: string, options: { redact?: (json: string) => string } = {}): ResponseCache {
  const redact = options.redact ?? ((json: string) => json);
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, CACHE_FILE_NAME);
  const store = CacheStore.acquire(file);
  const db = store.db;
  const getVector = db.prepare<[string], { vector: Buffer }>('SELECT vector FROM vectors WHERE key = ?');
  const putVector = db.prepare('INSERT OR REPLACE INTO vectors (key, vector, created_at) VALUES (?, ?, ?)');
  const putVectors = db.transaction((entries: Array<[string, number[]]>) => {
    const now = new Date().toISOString();
    // Float64 keeps a cached vector bit-identical to a fresh one.
    for (const [key, vector] of entries) putVector.run(key, Buffer.from(new Float64Array(vector).buffer), now);
  });
  let closed = false;

  return {
    file,
    getChat(key) {
      const text = store.chatText(key);
      return text === undefined ? undefined : (JSON.parse(text) as ChatResult);
    },
    putChat(key, result) {
      const { cached: _cached, ...stored } = result;
      store.putChat(key, result.model, redact(JSON.stringify(stored)));
    },
    getVectors(keys) {
      return keys.map((key) => {
        const row = getVector.get(key);
        if (!row) return undefined;
        return Array.from(new Float64Array(row.vector.buffer, row.vector.byteOffset, row.vector.byteLength / 8));
      });
    },
    putVectors(entries) {
      if (!entries.length) return;
      putVectors(entries);
      store.committed(entries.length);
    },
    size() {
      store.flush();
      const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      return count('chat') + count('vectors');
    },
    clear() {
      store.dropPending();
      db.exec('DELETE FROM chat; DELETE FROM vectors;');
    },
    close() {
      if (closed) return;
      closed = true;
      store.release();
    },
  };
}

/** The cache key of a chat call: the canonical request, nothing about credentials. */
export function chatCacheKey(request: ChatRequest): string {
  const { provider, model } = namePart(request.model);
  return sha256(
    canonicalJson({
      kind: 'chat',
      provider,
      model,
      messages: request.messages,
      parameters: { temperature: request.temperature, maxTokens: request.maxTokens, stop: request.stop },
      tools: request.tools ?? [],
      jsonSchema: request.jsonSchema ?? null,
    }),
  );
}

/** One vector per text, so re-indexing the same chunks hits even in new batches. */
export function embeddingCacheKey(modelName: string, text: string): string {
  const { provider, model } = namePart(modelName);
  return sha256(canonicalJson({ kind: 'embed', provider, model, text }));
}

// A name that is not `provider:model` still keys its own entries (its call fails before any is written).
const namePart = (name: string) => parseModelName(name) ?? { provider: '', model: name };

// The one-shot hash: no Hash object per call (a key is computed for every model call).
function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}
