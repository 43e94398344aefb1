import { sql } from 'kysely';
import type { PostgresMigration } from './migration';

/** As SQLite's 027-run-documents: each document runs of an inline document ran, stored once (see store/run-documents.ts). */
export const runDocuments: PostgresMigration = {
  id: '007-run-documents',
  async up(db) {
    await sql`
      CREATE TABLE run_documents (
        hash TEXT PRIMARY KEY,
        document TEXT NOT NULL
      );
      ALTER TABLE runs ADD COLUMN document_hash TEXT REFERENCES run_documents(hash);
      CREATE INDEX runs_document_hash ON runs(document_hash) WHERE document_hash IS NOT NULL;
    `.execute(db);
  },
};
