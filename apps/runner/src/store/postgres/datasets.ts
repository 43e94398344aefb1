import { sql, type Kysely } from 'kysely';
import type { EvalCase } from '@patchbay/evals';
import type { DatasetStore, DatasetVersion } from '../datasets';
import type { Database } from './schema';
import { decodeCursor, toPage, type PageRequest } from '../paging';

type Row = Pick<Database['datasets'], 'name' | 'hash' | 'case_count' | 'created_at' | 'uploaded_at'>;

const toVersion = (r: Row): DatasetVersion => ({
  name: r.name,
  hash: r.hash,
  caseCount: r.case_count,
  createdAt: new Date(r.created_at).toISOString(),
  uploadedAt: new Date(r.uploaded_at).toISOString(),
});

const VERSION = ['name', 'hash', 'case_count', 'created_at', 'uploaded_at'] as const;

export class PostgresDatasetStore implements DatasetStore {
  constructor(private readonly db: Kysely<Database>) {}

  async save(name: string, dataset: { hash: string; cases: EvalCase[] }) {
    return this.db.transaction().execute(async (tx) => {
      // One upload of a name at a time (across processes), so each is stamped after the last even within one millisecond.
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`dataset:${name}`}))`.execute(tx);
      const last = await tx.selectFrom('datasets').select((eb) => eb.fn.max('uploaded_at').as('at')).where('name', '=', name).executeTakeFirst();
      const now = Math.max(Date.now(), Number(last?.at ?? 0) + 1);
      const inserted = await tx
        .insertInto('datasets')
        .values({ name, hash: dataset.hash, created_at: now, uploaded_at: now, case_count: dataset.cases.length, cases: JSON.stringify(dataset.cases) })
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
    // The newest upload per name (DISTINCT ON keeps the first row of each name in this order).
    const rows = await this.db
      .selectFrom('datasets as d')
      .where('d.name', '>', after)
      .distinctOn('d.name')
      .select(['d.name', 'd.hash', 'd.case_count', 'd.created_at', 'd.uploaded_at'])
      .select((eb) => eb.selectFrom('datasets as d2').select((e) => e.fn.countAll<number>().as('n')).whereRef('d2.name', '=', 'd.name').as('versions'))
      .orderBy('d.name')
      .orderBy('d.uploaded_at', 'desc')
      .orderBy('d.seq', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, (r) => [r.name], (r) => ({ ...toVersion(r), versions: Number(r.versions ?? 1) }));
  }

  async get(name: string, hash?: string) {
    let q = this.db.selectFrom('datasets').select([...VERSION, 'cases']).where('name', '=', name);
    q = hash === undefined ? q.orderBy('uploaded_at', 'desc').orderBy('seq', 'desc').limit(1) : q.where('hash', '=', hash);
    const row = await q.executeTakeFirst();
    return row ? { ...toVersion(row), cases: JSON.parse(row.cases) as EvalCase[] } : undefined;
  }

  async versions(name: string) {
    const rows = await this.db.selectFrom('datasets').select(VERSION).where('name', '=', name).orderBy('uploaded_at', 'desc').orderBy('seq', 'desc').execute();
    return rows.map(toVersion);
  }
}
