import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelService } from '@patchbay/core';
import { openRetrievalStore, type RetrievalStore } from '@patchbay/core/node';
import { ARTIFACT_RETAIN_MS, artifactHash, type ArtifactStore } from '../store/artifacts';

/** How often a file in use has its time moved to now: far more often than the sweep's week. */
const TOUCH_EVERY_MS = 3_600_000;
/** A temp file this old is what a fetch cut short (a crash) left behind: no fetch takes this long. */
const STALE_TEMP_MS = 3_600_000;

/**
 * Index artifacts in a local cache dir (#16.5): an artifact is fetched from the
 * store once per cache dir, on first use, checked against its hash, written to
 * a temp file and renamed into place (processes sharing the dir never see half
 * a file), then opened read-only and kept open. A file's time is its last use:
 * one unused for as long as the store keeps an unnamed artifact is deleted.
 */
export class IndexArtifactCache {
  private readonly fetching = new Map<string, Promise<string>>();
  private readonly opened = new Map<string, Promise<RetrievalStore>>();
  /** When this process last marked each artifact's file used. */
  private readonly touched = new Map<string, number>();

  constructor(private readonly options: { dir: string; artifacts: ArtifactStore; log: (line: string) => void }) {
    this.swept = this.sweep().catch((err: Error) => options.log(`could not clean ${options.dir}: ${err.message}`));
  }

  /** The sweep of old files this cache started with. */
  readonly swept: Promise<unknown>;

  /**
   * Deletes the artifacts no process of this dir has used for ARTIFACT_RETAIN_MS (the store deletes an
   * unnamed one after as long) and temp files left by fetches cut short. Run when the cache is made.
   */
  async sweep(now = Date.now()): Promise<{ removed: number; bytes: number }> {
    let names: string[];
    try {
      names = await readdir(this.options.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { removed: 0, bytes: 0 };
      throw err;
    }
    let removed = 0;
    let bytes = 0;
    for (const name of names) {
      const artifact = /^([0-9a-f]{64})\.sqlite$/.exec(name);
      const temp = name.startsWith('.') && name.endsWith('.tmp');
      if (!artifact && !temp) continue;
      if (artifact && this.fetching.has(artifact[1])) continue; // in use here
      const file = path.join(this.options.dir, name);
      const info = await stat(file).catch(() => undefined);
      if (!info || now - info.mtimeMs < (artifact ? ARTIFACT_RETAIN_MS : STALE_TEMP_MS)) continue;
      await rm(file, { force: true });
      removed++;
      bytes += info.size;
    }
    if (removed) this.options.log(`removed ${removed} unused file${removed === 1 ? '' : 's'} (${bytes} bytes) from ${this.options.dir}`);
    return { removed, bytes };
  }

  /** The artifact opened for search; `models` embed vector queries (keyed apart, as configs differ in providers). */
  open(hash: string, models: ModelService, modelsKey: string): Promise<RetrievalStore> {
    const key = `${modelsKey}:${hash}`;
    this.touch(hash, path.join(this.options.dir, `${hash}.sqlite`));
    let store = this.opened.get(key);
    if (!store) {
      store = this.file(hash).then((file) => openRetrievalStore({ dataDir: this.options.dir, models, artifact: file }));
      store.catch(() => this.opened.delete(key)); // a failed fetch is tried again by the next search
      this.opened.set(key, store);
    }
    return store;
  }

  /** The local file of an artifact, fetched if this cache dir does not have it yet. */
  file(hash: string): Promise<string> {
    let file = this.fetching.get(hash);
    if (!file) {
      file = this.fetch(hash);
      file.catch(() => this.fetching.delete(hash));
      this.fetching.set(hash, file);
    }
    return file;
  }

  /** Marks a file used now (at most once an hour), so the sweep of any process sharing this dir keeps it. */
  private touch(hash: string, file: string): void {
    const now = Date.now();
    if (now - (this.touched.get(hash) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(hash, now);
    void utimes(file, now / 1000, now / 1000).catch(() => {}); // not fetched yet: fetch writes it new
  }

  private async fetch(hash: string): Promise<string> {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not an artifact hash: "${hash}"`);
    const file = path.join(this.options.dir, `${hash}.sqlite`);
    if (existsSync(file)) {
      this.touch(hash, file);
      return file;
    }
    const bytes = await this.options.artifacts.get(hash);
    if (!bytes) throw new Error(`index artifact ${hash} is not in the store`);
    if (artifactHash(bytes) !== hash) throw new Error(`index artifact ${hash} does not match its hash (${bytes.length} bytes); not used`);
    await mkdir(this.options.dir, { recursive: true });
    const temp = path.join(this.options.dir, `.${hash}.${process.pid}.${randomUUID()}.tmp`);
    try {
      await writeFile(temp, bytes);
      await rename(temp, file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    this.touched.set(hash, Date.now());
    this.options.log(`fetched index artifact ${hash} (${bytes.length} bytes) into ${this.options.dir}`);
    return file;
  }

  close(): void {
    for (const store of this.opened.values()) void store.then((s) => s.close(), () => {});
    this.opened.clear();
  }
}
