import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelService } from '@patchbay/core';
import { openRetrievalStore, type RetrievalStore } from '@patchbay/core/node';
import { artifactHash, type ArtifactStore } from '../store/artifacts';

/**
 * Index artifacts in a local cache dir (#16.5): an artifact is fetched from the
 * store once per cache dir, on first use, checked against its hash, written to
 * a temp file and renamed into place (processes sharing the dir never see half
 * a file), then opened read-only and kept open.
 */
export class IndexArtifactCache {
  private readonly fetching = new Map<string, Promise<string>>();
  private readonly opened = new Map<string, Promise<RetrievalStore>>();

  constructor(private readonly options: { dir: string; artifacts: ArtifactStore; log: (line: string) => void }) {}

  /** The artifact opened for search; `models` embed vector queries (keyed apart, as configs differ in providers). */
  open(hash: string, models: ModelService, modelsKey: string): Promise<RetrievalStore> {
    const key = `${modelsKey}:${hash}`;
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

  private async fetch(hash: string): Promise<string> {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not an artifact hash: "${hash}"`);
    const file = path.join(this.options.dir, `${hash}.sqlite`);
    if (existsSync(file)) return file;
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
    this.options.log(`fetched index artifact ${hash} (${bytes.length} bytes) into ${this.options.dir}`);
    return file;
  }

  close(): void {
    for (const store of this.opened.values()) void store.then((s) => s.close(), () => {});
    this.opened.clear();
  }
}
