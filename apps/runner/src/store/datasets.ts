import type { EvalCase } from '@patchbay/evals';
import type { SqliteDatabase } from './db';
import { decodeCursor, toPage, type Page, type PageRequest } from './paging';

/** One version of a dataset: its content hash (the evals package's, the same in any file format) and size. */
export interface DatasetVersion {
  name: string;
  hash: string;
  caseCount: number;
  /** When this content was first uploaded. */
  createdAt: string;
  /** When it was last uploaded: the most recent upload is the latest version. */
  uploadedAt: string;
}

export interface DatasetRecord extends DatasetVersion {
  cases: EvalCase[];
}

export interface DatasetSummary extends DatasetVersion {
  versions: number;
}

export interface DatasetStore {
  /**
   * Stores checked cases under `name`. The same content again is the same
   * version (it becomes the latest again); `created` says whether it was new.
   */
  save(name: string, dataset: { hash: string; cases: EvalCase[] }): Promise<{ version: DatasetVersion; created: boolean }>;
  /** Every dataset with its latest version, by name, a page at a time. */
  list(page: PageRequest): Promise<Page<DatasetSummary>>;
  /** The latest version, or the one with `hash`. */
  get(name: string, hash?: string): Promise<DatasetRecord | undefined>;
  /** Newest upload first. */
  versions(name: string): Promise<DatasetVersion[]>;
}

interface Row {
  name: string;
  hash: string;
  case_count: number;
  created_at: number;
  uploaded_at: number;
  cases?: string;
  versions?: number;
}

const toVersion = (r: Row): DatasetVersion => ({
  name: r.name,
  hash: r.hash,
  caseCount: r.case_count,
  createdAt: new Date(r.created_at).toISOString(),
  uploadedAt: new Date(r.uploaded_at).toISOString(),
});

const VERSION_COLUMNS = 'name, hash, case_count, created_at, uploaded_at';

export class SqliteDatasetStore implements DatasetStore {
  private readonly stmts;
  private readonly saveTx;

  constructor(db: SqliteDatabase) {
    this.stmts = {
      insert: db.prepare(
        'INSERT INTO datasets (name, hash, created_at, uploaded_at, case_count, cases) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name, hash) DO NOTHING',
      ),
      touch: db.prepare('UPDATE datasets SET uploaded_at = ? WHERE name = ? AND hash = ?'),
      // The newest upload per name; rowid breaks a tie within one millisecond.
      list: db.prepare<[string, number], Row>(
        `SELECT ${VERSION_COLUMNS}, (SELECT COUNT(*) FROM datasets d2 WHERE d2.name = d.name) AS versions
         FROM datasets d WHERE d.name > ? AND rowid = (SELECT rowid FROM datasets d3 WHERE d3.name = d.name ORDER BY uploaded_at DESC, rowid DESC LIMIT 1)
         ORDER BY name LIMIT ?`,
      ),
      latest: db.prepare<[string], Row>(`SELECT ${VERSION_COLUMNS}, cases FROM datasets WHERE name = ? ORDER BY uploaded_at DESC, rowid DESC LIMIT 1`),
      byHash: db.prepare<[string, string], Row>(`SELECT ${VERSION_COLUMNS}, cases FROM datasets WHERE name = ? AND hash = ?`),
      versions: db.prepare<[string], Row>(`SELECT ${VERSION_COLUMNS} FROM datasets WHERE name = ? ORDER BY uploaded_at DESC, rowid DESC`),
      lastUpload: db.prepare<[string], number | null>('SELECT MAX(uploaded_at) FROM datasets WHERE name = ?').pluck(),
    };
    this.saveTx = db.transaction((name: string, hash: string, cases: EvalCase[]) => {
      const now = Math.max(Date.now(), this.lastUpload(name) + 1);
      const created = this.stmts.insert.run(name, hash, now, now, cases.length, JSON.stringify(cases)).changes > 0;
      if (!created) this.stmts.touch.run(now, name, hash);
      return { version: toVersion(this.stmts.byHash.get(name, hash)!), created };
    });
  }

  /** Uploads within one millisecond still order: each is stamped after the last. */
  private lastUpload(name: string): number {
    return this.stmts.lastUpload.get(name) ?? 0;
  }

  async save(name: string, dataset: { hash: string; cases: EvalCase[] }) {
    return this.saveTx.immediate(name, dataset.hash, dataset.cases);
  }

  async list({ limit, cursor }: PageRequest) {
    const after = cursor === undefined ? '' : decodeCursor<[string]>(cursor, ['string'])[0];
    return toPage(this.stmts.list.all(after, limit + 1), limit, (r) => [r.name], (r) => ({ ...toVersion(r), versions: r.versions ?? 1 }));
  }

  async get(name: string, hash?: string) {
    const row = hash === undefined ? this.stmts.latest.get(name) : this.stmts.byHash.get(name, hash);
    return row ? { ...toVersion(row), cases: JSON.parse(row.cases!) as EvalCase[] } : undefined;
  }

  async versions(name: string) {
    return this.stmts.versions.all(name).map(toVersion);
  }
}
