import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyRevocations } from '../src/deploy/key-revocations';
import { openSqliteStore, type SqliteStore } from '../src/store/index';

describe('streams of a serving key revoked in this process', () => {
  let dir: string | undefined;
  let store: SqliteStore | undefined;
  afterEach(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('end when the revoke is answered, also when a poll that read the keys before it is still answering', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-key-revocations-'));
    store = openSqliteStore(dir);
    const keys = store.keys;
    const hash = 'ab'.repeat(32);
    expect(await keys.create({ name: 'app', hash, pipelines: null, createdAt: Date.now() })).toBe(true);
    // The real store, whose answer to one read is held back: the 2 s poll that read the keys just before
    // the revoke and answers just after it (a slow database, a busy event loop).
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstRead!: () => void;
    const read = new Promise<void>((resolve) => (firstRead = resolve));
    let reads = 0;
    const slowFirstRead = {
      ...keys,
      hashes: async () => {
        const live = await keys.hashes();
        if (++reads === 1) {
          firstRead();
          await held;
        }
        return live;
      },
    };
    const revocations = new KeyRevocations(() => slowFirstRead, 60_000);
    const stream = revocations.watch(hash);
    const poll = revocations.check(); // the tick's read: the key is still there
    await read;
    expect(await keys.revoke('app')).toBe(true);
    // DELETE /api/keys/app: answered 204 once this settles, and the stream must have ended by then.
    const answered = revocations.check({ fresh: true });
    release();
    await Promise.all([poll, answered]);
    expect(stream.signal.aborted).toBe(true);
    expect(reads).toBe(2);
  });
});
