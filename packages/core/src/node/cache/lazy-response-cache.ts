import path from 'node:path';
import { CACHE_FILE_NAME, openResponseCache, type ResponseCache } from './response-cache';

/**
 * The response cache of a data dir that does not exist yet: reads find nothing,
 * and the first write creates the data dir and the file (then `onCreate` is told
 * where), so a run that stores nothing leaves no folder behind.
 */
export function lazyResponseCache(dataDir: string, onCreate?: (dataDir: string) => void, options: { redact?: (json: string) => string } = {}): ResponseCache {
  let cache: ResponseCache | undefined;
  const open = () => {
    if (!cache) {
      cache = openResponseCache(dataDir, options);
      onCreate?.(dataDir);
    }
    return cache;
  };
  return {
    file: path.join(dataDir, CACHE_FILE_NAME),
    getChat: (key: string) => cache?.getChat(key),
    putChat: (key, result) => open().putChat(key, result),
    getVectors: (keys) => (cache ? cache.getVectors(keys) : keys.map(() => undefined)),
    putVectors: (entries) => open().putVectors(entries),
    size: () => cache?.size() ?? 0,
    clear: () => cache?.clear(),
    close: () => cache?.close(),
  };
}
