import { parseJsonOffThread } from '@patchbay/core/json-parse-thread';
import type { EvalCase } from '@patchbay/evals';
import { arrayTextInTurns } from './array-text-in-turns';
import { insertOrder, lockKey, type StoreDb } from './dialect';
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
  /** Every version of `name`; false when there was none. Eval results keep their own copy of the cases they ran. */
  delete(name: string): Promise<boolean>;
}

type Row = { name: string; hash: string; case_count: number; created_at: number; uploaded_at: number };

const toVersion = (r: Row): DatasetVersion => ({
  name: r.name,
  hash: r.hash,
  caseCount: r.case_count,
  createdAt: new Date(r.created_at).toISOString(),
  uploadedAt: new Date(r.uploaded_at).toISOString(),
});

const VERSION = ['name', 'hash', 'case_count', 'created_at', 'uploaded_at'] as const;

export class KyselyDatasetStore implements DatasetStore {
  constructor(private readonly db: StoreDb) {}

  async save(name: string, dataset: { hash: string; cases: EvalCase[] }) {
    // Written before the transaction: its turns would hold the write lock.
    const cases = await arrayTextInTurns(dataset.cases);
    return this.db.transaction().execute(async (tx) => {
      // One upload of a name at a time (across processes), so each is stamped after the last even within one millisecond.
      await lockKey(tx, `dataset:${name}`);
      const last = await tx.selectFrom('datasets').select((eb) => eb.fn.max('uploaded_at').as('at')).where('name', '=', name).executeTakeFirst();
      const now = Math.max(Date.now(), Number(last?.at ?? 0) + 1);
      const inserted = await tx
        .insertInto('datasets')
        .values({ name, hash: dataset.hash, created_at: now, uploaded_at: now, case_count: dataset.cases.length, cases })
        .onConflict((oc) => oc.columns(['name', 'hash']).doNothing())
        .executeTakeFirst();
      const created = Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
      if (!created) await tx.updateTable('datasets').set({ uploaded_at: now }).where('name', '=', name).where('hash', '=', dataset.hash).execute();
      const row = await tx.selectFrom('datasets').select(VERSION).where('name', '=', name).where('hash', '=', dataset.hash).executeTakeFirstOrThrow();
      return { version: toVersion(row), created };
    });
  }

  async list({ limit, cursor }: PageRequest) {
    const after = cursor === undefined ? '' : decodeCursor<[string]>(cursor, ['string'])[0];
    // The newest upload per name; insertion order breaks a tie within one millisecond.
    const rows = await this.db
      .selectFrom('datasets as d')
      .select(['d.name', 'd.hash', 'd.case_count', 'd.created_at', 'd.uploaded_at'])
      .select((eb) => eb.selectFrom('datasets as d2').select((e) => e.fn.countAll<number>().as('n')).whereRef('d2.name', '=', 'd.name').as('versions'))
      .where('d.name', '>', after)
      .where(({ eb, selectFrom }) =>
        eb(
          insertOrder(this.db, 'd'),
          '=',
          selectFrom('datasets as d3').select(insertOrder(this.db, 'd3').as('o')).whereRef('d3.name', '=', 'd.name').orderBy('d3.uploaded_at', 'desc').orderBy(insertOrder(this.db, 'd3'), 'desc').limit(1),
        ),
      )
      .orderBy('d.name')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, (r) => [r.name], (r) => ({ ...toVersion(r), versions: Number(r.versions ?? 1) }));
  }

  async get(name: string, hash?: string) {
    let q = this.db.selectFrom('datasets as d').select(['d.name', 'd.hash', 'd.case_count', 'd.created_at', 'd.uploaded_at', 'd.cases']).where('d.name', '=', name);
    q = hash === undefined ? q.orderBy('d.uploaded_at', 'desc').orderBy(insertOrder(this.db, 'd'), 'desc').limit(1) : q.where('d.hash', '=', hash);
    const row = await q.executeTakeFirst();
    if (!row) return undefined;
    // Off the event loop's thread: parsing 60,000 cases (4.8 MB) there held it ~100 ms for each eval started on them.
    const parsed = await parseJsonOffThread(row.cases);
    if (!('value' in parsed)) throw new Error(`the stored cases of dataset "${name}" (${row.hash.slice(0, 12)}) are not JSON`);
    return { ...toVersion(row), cases: parsed.value as EvalCase[] };
  }

  async versions(name: string) {
    const rows = await this.db.selectFrom('datasets as d').select(['d.name', 'd.hash', 'd.case_count', 'd.created_at', 'd.uploaded_at']).where('d.name', '=', name).orderBy('d.uploaded_at', 'desc').orderBy(insertOrder(this.db, 'd'), 'desc').execute();
    return rows.map(toVersion);
  }

  async delete(name: string) {
    const result = await this.db.deleteFrom('datasets').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
