import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices } from '@patchbay/core/node';
import { awaitKeywordUpgrade } from '../src/cli/keyword-upgrade-wait';

const dir = mkdtempSync(join(tmpdir(), 'patchbay-upgrade-wait-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a CLI command on a data dir indexed by an earlier version', () => {
  it('says the keyword indexes were upgraded even when the re-read (a small index) was over before the command looked', async () => {
    const first = await createServices({ dataDir: dir, env: {} });
    await first.retrieval.ingest('old', [{ id: 'a', text: 'reset your password' }, { id: 'b', text: 'refunds take five days' }]);
    await first.close();
    // As an earlier version left it: the keyword index holds the text as written.
    const db = new Database(join(dir, 'retrieval.sqlite'));
    db.exec("INSERT INTO fts_1 (fts_1) VALUES ('rebuild'); PRAGMA user_version = 0");
    db.close();

    const services = await createServices({ dataDir: dir, env: {} });
    try {
      await services.retrieval.upgraded(); // the background re-read of two chunks is over before the command gets here
      const stderr = new PassThrough();
      let said = '';
      stderr.on('data', (chunk) => (said += chunk));
      await awaitKeywordUpgrade(services.retrieval, dir, { stdout: new PassThrough(), stderr, env: {}, cwd: dir });
      expect(said).toBe(`upgrading the keyword indexes of ${join(dir, 'retrieval.sqlite')}, written by an earlier version (2 chunks; this happens once)\n`);
    } finally {
      await services.close();
    }
  });
});
