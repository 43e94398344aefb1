import type { Migration } from './migration';

/**
 * The documents runs of an inline document ran (an eval's case runs), each
 * stored once: see store/run-documents.ts. Rows written before keep their
 * document in runs.document and are read as they are (nothing is moved: a
 * store's runs table can be large, and retention ages those rows out).
 */
export const runDocuments: Migration = {
  id: '027-run-documents',
  up(db) {
    db.exec(`
      CREATE TABLE run_documents (
        hash TEXT PRIMARY KEY,
        document TEXT NOT NULL
      );
      ALTER TABLE runs ADD COLUMN document_hash TEXT REFERENCES run_documents(hash);
      CREATE INDEX runs_document_hash ON runs(document_hash) WHERE document_hash IS NOT NULL;
    `);
  },
};
