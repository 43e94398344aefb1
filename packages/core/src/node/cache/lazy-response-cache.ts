import path from 'node:path';
import { ReadOnlyDataFileError } from '../data-file';
import { CACHE_FILE_NAME, openResponseCache, type ResponseCache } from './response-cache';

/**
 * The response cache of a data dir that has none yet (no data dir, or no `cache.sqlite` in it):
 * reads find nothing, and the first write creates the data dir and the file (then `onCreate` is
 * told where), so a run that stores nothing leaves no folder or file behind. In a data dir this
 * process may not write, replies are not stored, as where the file could not be opened at start.
 */
export function lazyResponseCache(dataDir: string, onCreate?: (dataDir: string) => void, options: { redact?: (json: string) => string } = {}): ResponseCache {
  let cache: ResponseCache | undefined;
  let unwritable = false;
  const open = () => {
    if (!cache && !unwritable) {
      try {
        cache = openResponseCache(dataDir, options);
      } catch (err) {
        if (!(err instanceof ReadOnlyDataFileError)) throw err;
        unwritable = true;
        return undefined;
      }
      onCreate?.(dataDir);
    }
    return cache;
  };
  return {
    file: path.join(dataDir, CACHE_FILE_NAME),
    getChat: (key: string) => cache?.getChat(key),
    putChat: (key, result) => open()?.putChat(key, result),
    getVectors: (keys) => (cache ? cache.getVectors(keys) : keys.map(() => undefined)),
    putVectors: (entries) => open()?.putVectors(entries),
    size: () => cache?.size() ?? 0,
    clear: () => cache?.clear(),
    close: () => cache?.close(),
  };
}
