import type { Kysely, Transaction } from 'kysely';
import type { CaseRecord, EvalHead, EvalResult, EvalStatus } from '@patchbay/evals';
import { newEvalFromResult, type EvalSpec, type EvalStore, type NewEval, type ResultMeta, type StoredEval } from '../evals';
import type { Database } from '../schema';
import { toPage, type PageRequest } from '../paging';
import { decodeIntCursor } from '../dialect';

type Row = Omit<Database['eval_results'], 'seq' | 'owner'> & { done: number; seq: number };

function toStored(r: Row): StoredEval {
  return {
    id: r.id,
    pipeline: r.pipeline ?? '',
    version: r.version,
    dataset: { name: r.dataset ?? '', hash: r.dataset_hash ?? '', cases: r.dataset_cases },
    status: r.status as EvalStatus,
    progress: { done: Number(r.done), total: r.total },
    baseline: r.baseline,
    spec: JSON.parse(r.spec) as EvalSpec,
    head: r.head ? (JSON.parse(r.head) as EvalHead) : null,
    error: r.error,
    createdAt: new Date(r.created_at).toISOString(),
    finishedAt: r.finished_at === null ? null : new Date(r.finished_at).toISOString(),
  };
}

type Db = Kysely<Database> | Transaction<Database>;

export class PostgresEvalStore implements EvalStore {
  constructor(private readonly db: Kysely<Database>, private readonly redact: (json: string) => string = (json) => json) {}

  private json(value: unknown): string {
    return this.redact(JSON.stringify(value ?? null));
  }

  private select(db: Db = this.db) {
    return db
      .selectFrom('eval_results as e')
      .select(['seq', 'id', 'pipeline', 'version', 'dataset', 'dataset_hash', 'dataset_cases', 'status', 'total', 'baseline', 'spec', 'head', 'error', 'created_at', 'finished_at'])
      .select((eb) => eb.selectFrom('eval_cases as c').select((x) => x.fn.countAll<number>().as('n')).whereRef('c.eval_id', '=', 'e.id').as('done'));
  }

  private async writeCreate(db: Db, e: NewEval) {
    await db
      .insertInto('eval_results')
      .values({ id: e.id, pipeline: e.pipeline, version: e.version, dataset: e.dataset.name, dataset_hash: e.dataset.hash, dataset_cases: e.dataset.cases, status: 'running', total: e.total, baseline: e.baseline, spec: this.json(e.spec), created_at: e.createdAt, owner: e.owner })
      .execute();
  }

  /** Keyed by (eval, case, repeat): a second record of a case (a retried or stalled job) is ignored. True when this one was recorded. */
  private async writeCase(db: Db, evalId: string, record: CaseRecord, position: number): Promise<boolean> {
    const result = await db
      .insertInto('eval_cases')
      .values({ eval_id: evalId, case_id: record.id, repeat: record.repeat ?? 1, position, status: record.status, record: this.json(record) })
      .onConflict((oc) => oc.columns(['eval_id', 'case_id', 'repeat']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  private async writeFinish(db: Db, evalId: string, status: string, head: string | null, error: string | null, at: number) {
    await db.updateTable('eval_results').set({ status, head, error, finished_at: at, owner: null }).where('id', '=', evalId).where('status', '=', 'running').execute();
  }

  async create(evalRun: NewEval) {
    await this.writeCreate(this.db, evalRun);
  }

  async appendCase(evalId: string, record: CaseRecord, position: number) {
    return this.writeCase(this.db, evalId, record, position);
  }

  async readCase(evalId: string, caseId: string, repeat: number) {
    const row = await this.db.selectFrom('eval_cases').select('record').where('eval_id', '=', evalId).where('case_id', '=', caseId).where('repeat', '=', repeat).executeTakeFirst();
    return row ? (JSON.parse(row.record) as CaseRecord) : undefined;
  }

  async finish(evalId: string, outcome: { status: Exclude<EvalStatus, 'running'>; head?: EvalHead; error?: string }) {
    await this.writeFinish(this.db, evalId, outcome.status, outcome.head ? this.json(outcome.head) : null, outcome.error === undefined ? null : this.redact(outcome.error), Date.now());
  }

  async get(id: string) {
    const row = await this.select().where('id', '=', id).executeTakeFirst();
    return row ? toStored(row as Row) : undefined;
  }

  async cases(evalId: string) {
    const rows = await this.db.selectFrom('eval_cases').select('record').where('eval_id', '=', evalId).orderBy('position').orderBy('repeat').execute();
    return rows.map((r) => JSON.parse(r.record) as CaseRecord);
  }

  async casesInFinishOrder(evalId: string) {
    const rows = await this.db.selectFrom('eval_cases').select('record').where('eval_id', '=', evalId).orderBy('seq').execute();
    return rows.map((r) => JSON.parse(r.record) as CaseRecord);
  }

  async list({ pipeline, limit, cursor }: { pipeline?: string } & PageRequest) {
    let q = this.select();
    if (pipeline !== undefined) q = q.where('pipeline', '=', pipeline);
    if (cursor !== undefined) {
      const [at, seq] = decodeIntCursor<[number, number]>(cursor, 2);
      q = q.where((eb) => eb(eb.refTuple('created_at', 'seq'), '<', eb.tuple(at, seq)));
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('seq', 'desc').limit(limit + 1).execute();
    return toPage(rows, limit, (r) => [r.created_at, r.seq], (r) => toStored(r as Row));
  }

  async reopen(evalId: string, owner: string) {
    const result = await this.db
      .updateTable('eval_results')
      .set({ status: 'running', head: null, error: null, finished_at: null, owner })
      .where('id', '=', evalId)
      .where('status', 'in', ['interrupted', 'cancelled'])
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async interruptOrphans(isOwnerAlive: (owner: string) => boolean) {
    const running = await this.db.selectFrom('eval_results').select(['id', 'owner']).where('status', '=', 'running').execute();
    const orphans = running.filter((r) => !(r.owner && isOwnerAlive(r.owner))).map((r) => r.id);
    if (orphans.length === 0) return 0;
    const result = await this.db
      .updateTable('eval_results')
      .set({ status: 'interrupted', error: 'the runner stopped before the eval ended', finished_at: Date.now(), owner: null })
      .where('id', 'in', orphans)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async insertResult(result: EvalResult, meta: ResultMeta) {
    const row = newEvalFromResult(result, meta);
    const id = row.id;
    await this.db.transaction().execute(async (tx) => {
      await this.writeCreate(tx, row);
      const positions = new Map<string, number>();
      for (const record of result.cases) {
        if (!positions.has(record.id)) positions.set(record.id, positions.size);
        await this.writeCase(tx, id, record, positions.get(record.id)!);
      }
      const { cases: _cases, ...head } = result;
      await this.writeFinish(tx, id, 'succeeded', this.json(head), null, Date.parse(result.finishedAt) || Date.now());
    });
    return id;
  }
}
