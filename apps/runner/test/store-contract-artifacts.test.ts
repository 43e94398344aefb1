import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ARTIFACT_RETAIN_MS } from '../src/store/artifacts';
import { openSqliteStore, RUNNER_DB_FILE } from '../src/store/index';
import { storeTargets } from './support/store-targets';

// The store contract for artifacts (#16.5): immutable bytes by content hash, stored once, and names pointing at them.
const targets = storeTargets();
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe.each(targets)('store contract on $name: artifacts', (target) => {
  it('stores equal bytes once under their SHA-256, whatever names point at them, and gives them back byte for byte', async () => {
    const store = await target.open();
    // Every byte value, a NUL and a high bit included: a blob/bytea round trip, not text.
    const bytes = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 7) % 256));
    const first = await store.artifacts.publish('index', 'docs', bytes);
    expect(first).toEqual({ hash: sha256(bytes), created: true });
    expect(await store.artifacts.publish('index', 'copy-of-docs', Buffer.from(bytes))).toEqual({ hash: first.hash, created: false });
    expect((await store.artifacts.names('index')).map((n) => [n.name, n.hash])).toEqual([['copy-of-docs', first.hash], ['docs', first.hash]]);
    const back = await store.artifacts.get(first.hash);
    expect(Buffer.isBuffer(back)).toBe(true);
    expect(back!.equals(bytes)).toBe(true);
    expect(await store.artifacts.get(sha256(Buffer.from('nothing')))).toBeUndefined();
  });

  it('moves a name to new bytes, keeps the old bytes for whoever pinned them, and removes names', async () => {
    const store = await target.open();
    const v1 = await store.artifacts.publish('index', 'docs', Buffer.from('one'));
    const v2 = await store.artifacts.publish('index', 'docs', Buffer.from('two'));
    expect(v2.hash).not.toBe(v1.hash);
    expect(await store.artifacts.current('index', 'docs')).toBe(v2.hash);
    expect((await store.artifacts.get(v1.hash))!.toString()).toBe('one');
    // Kinds are apart: a config named "docs" is not the index.
    expect(await store.artifacts.current('config', 'docs')).toBeUndefined();
    await store.artifacts.publish('index', 'faq', Buffer.from('three'));
    expect(Object.fromEntries(await store.artifacts.currentOf('index', ['docs', 'faq', 'none']))).toEqual({ docs: v2.hash, faq: sha256(Buffer.from('three')) });
    expect(await store.artifacts.currentOf('index', [])).toEqual(new Map());
    expect(await store.artifacts.unname('index', 'docs')).toBe(true);
    expect(await store.artifacts.unname('index', 'docs')).toBe(false);
    expect(await store.artifacts.current('index', 'docs')).toBeUndefined();
    expect((await store.artifacts.get(v2.hash))!.toString()).toBe('two');
  });

  it('stores one row when two processes publish the same bytes at once', async () => {
    const store = await target.open();
    const twin = await target.twin(store);
    const bytes = Buffer.alloc(64 * 1024, 9);
    const results = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => store.artifacts.publish('index', `a${i}`, bytes)),
      ...Array.from({ length: 5 }, (_, i) => twin.artifacts.publish('index', `b${i}`, bytes)),
    ]);
    expect(new Set(results.map((r) => r.hash)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await twin.artifacts.names('index')).toHaveLength(10);
  });

  it('deletes an artifact once no name has pointed at it for the retention time, and never one a name points at', async () => {
    const store = await target.open();
    const one = await store.artifacts.publish('index', 'docs', Buffer.from('one'));
    const shared = await store.artifacts.publish('index', 'faq', Buffer.from('shared'));
    await store.artifacts.publish('index', 'faq-copy', Buffer.from('shared'));
    const two = await store.artifacts.publish('index', 'docs', Buffer.from('two')); // "one" released
    expect(await store.artifacts.unname('index', 'faq')).toBe(true); // "shared" is still named by faq-copy
    const gone = await store.artifacts.publish('config', 'workspace', Buffer.from('{"a":1}'));
    await store.artifacts.unname('config', 'workspace'); // released
    // Republished after its release: in use again, so kept.
    const again = await store.artifacts.publish('index', 'old', Buffer.from('again'));
    await store.artifacts.unname('index', 'old');
    await store.artifacts.publish('index', 'new', Buffer.from('again'));

    // Within the retention time (what every publish prunes with) nothing unnamed is deleted: a pinned job may fetch it.
    expect(await store.artifacts.prune(Date.now() - ARTIFACT_RETAIN_MS)).toEqual({ artifacts: 0, bytes: 0 });
    expect((await store.artifacts.get(one.hash))!.toString()).toBe('one');

    // Past it, exactly the unnamed ones go.
    expect(await store.artifacts.prune(Date.now() + 1)).toEqual({ artifacts: 2, bytes: 'one'.length + '{"a":1}'.length });
    expect(await store.artifacts.get(one.hash)).toBeUndefined();
    expect(await store.artifacts.get(gone.hash)).toBeUndefined();
    for (const kept of [two, shared, again]) expect(await store.artifacts.get(kept.hash)).toBeDefined();
    expect(await store.artifacts.current('index', 'docs')).toBe(two.hash);

    // Bytes published again after their artifact was deleted are stored anew.
    expect(await store.artifacts.publish('index', 'docs', Buffer.from('one'))).toEqual({ hash: one.hash, created: true });
  });
});

describe('artifacts stored before releases were recorded', () => {
  it('counts an artifact that was already unnamed as released at the upgrade, so it is deleted a retention time later', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-artifact-upgrade-'));
    try {
      const store = openSqliteStore(dir);
      const named = await store.artifacts.publish('index', 'docs', Buffer.from('named'));
      const orphan = await store.artifacts.publish('index', 'old', Buffer.from('orphan'));
      await store.artifacts.unname('index', 'old');
      await store.close();
      // The file as the release before this one left it: no released_at column, nothing recorded.
      const db = new Database(path.join(dir, RUNNER_DB_FILE));
      db.exec("ALTER TABLE artifacts DROP COLUMN released_at; DELETE FROM schema_migrations WHERE id = '023-artifact-release'");
      db.close();

      const upgraded = openSqliteStore(dir);
      expect(await upgraded.artifacts.prune(Date.now() - ARTIFACT_RETAIN_MS)).toEqual({ artifacts: 0, bytes: 0 });
      expect(await upgraded.artifacts.prune(Date.now() + 1)).toEqual({ artifacts: 1, bytes: 'orphan'.length });
      expect(await upgraded.artifacts.get(orphan.hash)).toBeUndefined();
      expect(await upgraded.artifacts.get(named.hash)).toBeDefined();
      await upgraded.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
