import { randomUUID } from 'node:crypto';
import type { CaseRecord, EvalDatasetRef, EvalHead, EvalResult, EvalStatus, Gate, ScorerSpec } from '@patchbay/evals';
import { sql, type Transaction } from 'kysely';
import { toPage, type Page, type PageRequest } from './paging';
import { decodeIntCursor, insertOrder, type StoreDb } from './dialect';
import type { Database } from './schema';
import { PreparedInsert } from './prepared';
import { writeRunBatch } from './run-batch';
import { nulEscaped } from './nul-in-text';
import type { RunFinish, RunStart } from './runs';

export type { EvalDatasetRef, EvalStatus } from '@patchbay/evals';

/** What an eval ran with, kept so a running or stopped eval can still be summarised and shown. */
export interface EvalSpec {
  suite: string;
  /** The scorers as given (a seeded result knows only their names). */
  scorers: Array<Partial<ScorerSpec> & { name: string }>;
  repeat: number;
  seed: string;
  concurrency?: number;
  gate?: Gate;
  behaviorHash: string;
  /** The workspace it ran with (workspace/workspace-key.ts); unset for an eval stored before it was recorded. */
  workspace?: string;
}

export interface NewEval {
  id: string;
  pipeline: string;
  version: number | null;
  dataset: EvalDatasetRef;
  /** Cases × repeat. */
  total: number;
  /** The eval this one is compared with when it ends. */
  baseline: string | null;
  spec: EvalSpec;
  createdAt: number;
  /** The process running it (`host:pid`), so a restart interrupts only evals of dead processes. */
  owner: string | null;
}

export interface StoredEval {
  id: string;
  pipeline: string;
  version: number | null;
  dataset: EvalDatasetRef;
  status: EvalStatus;
  progress: { done: number; total: number };
  baseline: string | null;
  spec: EvalSpec;
  /** The finished result without its cases (summary, comparison, gates); null until it succeeds. */
  head: EvalHead | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/** What `insertResult` is told besides the result itself (both databases). */
export type ResultMeta = {
  pipeline?: string;
  version?: number | null;
  dataset: string;
  baseline?: string | null;
  id?: string;
  /** The scorers as run, when known (the demo's seed): a promotion on the same suite then reuses the result. */
  scorers?: ScorerSpec[];
  /** The workspace it ran with (workspace/workspace-key.ts): a promotion reuses the result only in that workspace. */
  workspace?: string;
};

/** The eval row a finished result file stands for (imported results, both databases). */
export function newEvalFromResult(result: EvalResult, meta: ResultMeta): NewEval {
  const scorers = meta.scorers ?? Object.keys(result.summary?.scorers ?? {}).map((name) => ({ name }));
  return {
    id: meta.id ?? randomUUID(),
    pipeline: meta.pipeline ?? result.pipeline.name,
    version: meta.version ?? result.pipeline.version ?? null,
    dataset: { name: meta.dataset, hash: result.dataset.hash, cases: result.dataset.cases },
    total: result.cases.length,
    baseline: meta.baseline ?? null,
    spec: { suite: result.suite, scorers, repeat: result.repeat ?? 1, seed: result.seed ?? 'patchbay', behaviorHash: result.pipeline.behaviorHash, ...(meta.workspace ? { workspace: meta.workspace } : {}) },
    createdAt: Date.parse(result.startedAt) || Date.now(),
    owner: null,
  };
}

export interface EvalStore {
  create(evalRun: NewEval): Promise<void>;
  /** Records one finished case × repeat at once (a stopped runner keeps it). `position` is the case's place in the dataset. */
  /**
   * Records a finished case once: keyed by (eval, case, repeat), a second
   * record of the same case (a retried or stalled queue job) is ignored.
   * True when this call recorded it.
   */
  /**
   * Records a case once per (eval, case, repeat); false when it was recorded already (the first record
   * stays). With `run`, the case's run is stored with it: one statement on PostgreSQL, one transaction on SQLite.
   */
  appendCase(evalId: string, record: CaseRecord, position: number, run?: CaseRun): Promise<boolean>;
  readCase(evalId: string, caseId: string, repeat: number): Promise<CaseRecord | undefined>;
  /**
   * Ends a running eval. With `owner` (its coordinator's), only while that owner holds it: another server may
   * have taken it over (reopened as its own) after this one was thought dead, and ends it itself. False when it
   * ended nothing (already ended, or another owner's now).
   */
  finish(evalId: string, outcome: { status: Exclude<EvalStatus, 'running'>; head?: EvalHead; error?: string }, as?: { owner: string }): Promise<boolean>;
  get(id: string): Promise<StoredEval | undefined>;
  /** In dataset order (case, then repeat). */
  cases(evalId: string): Promise<CaseRecord[]>;
  /** The ids of its stored cases, each once, without reading their records (a baseline's pairing check). */
  caseIds(evalId: string): Promise<string[]>;
  /** In the order they finished (the SSE replay). */
  casesInFinishOrder(evalId: string): Promise<CaseRecord[]>;
  /** Newest first, a page at a time. */
  list(query: { pipeline?: string } & PageRequest): Promise<Page<StoredEval>>;
  /** An interrupted or cancelled eval runs again, owned by `owner` (its cases are kept); false when it was not stopped. */
  reopen(evalId: string, owner: string): Promise<boolean>;
  /** At start-up: evals left `running` by a process that is gone become `interrupted`. */
  interruptOrphans(isOwnerAlive: (owner: string) => boolean): Promise<number>;
  /**
   * Stores a finished result (a `patchbay eval --out` file, the demo's seed)
   * as a succeeded eval without running anything; returns its id.
   */
  insertResult(result: EvalResult, meta: ResultMeta): Promise<string>;
}

type Row = Omit<Database['eval_results'], 'owner'> & { done: number; seq: number };

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

type Db = StoreDb | Transaction<Database>;

// A worker records every case it runs: compiled once (prepared.ts), not built per case. Keyed by
// (eval, case, repeat): a second record of a case (a retried or stalled job) adds no row.
const insertCase = new PreparedInsert<Database['eval_cases']>(['eval_id', 'case_id', 'repeat', 'position', 'status', 'record'], (db, rows) =>
  db.insertInto('eval_cases').values(rows).onConflict((oc) => oc.columns(['eval_id', 'case_id', 'repeat']).doNothing()),
);

/** The run an eval case made (its node traces), stored with the case's record. */
export interface CaseRun {
  start: RunStart;
  finish: RunFinish;
}

export class KyselyEvalStore implements EvalStore {
  constructor(private readonly db: StoreDb, private readonly redact: (json: string) => string = (json) => json) {}

  private json(value: unknown): string {
    return this.redact(JSON.stringify(value ?? null));
  }

  private select(db: Db = this.db) {
    return db
      .selectFrom('eval_results as e')
      .select(insertOrder(db, 'e').as('seq'))
      .select(['id', 'pipeline', 'version', 'dataset', 'dataset_hash', 'dataset_cases', 'status', 'total', 'baseline', 'spec', 'head', 'error', 'created_at', 'finished_at'])
      .select((eb) => eb.selectFrom('eval_cases as c').select((x) => x.fn.countAll<number>().as('n')).whereRef('c.eval_id', '=', 'e.id').as('done'));
  }

  private async writeCreate(db: Db, e: NewEval) {
    await db
      .insertInto('eval_results')
      .values({ id: e.id, pipeline: e.pipeline, version: e.version, dataset: e.dataset.name, dataset_hash: e.dataset.hash, dataset_cases: e.dataset.cases, status: 'running', total: e.total, baseline: e.baseline, spec: this.json(e.spec), created_at: e.createdAt, owner: e.owner })
      .execute();
  }

  /** Keyed by (eval, case, repeat): a second record of a case (a retried or stalled job) is ignored. True when this one was recorded. */
  private async writeCase(db: Db, evalId: string, record: CaseRecord, position: number, run?: CaseRun): Promise<boolean> {
    const row = { eval_id: evalId, case_id: record.id, repeat: record.repeat ?? 1, position, status: record.status, record: this.json(record) };
    if (!run) return Number((await insertCase.execute(db, [row])).numAffectedRows ?? 0) > 0;
    const settle = () => {};
    const writes = [{ kind: 'begin' as const, run: run.start, settle }, { kind: 'finish' as const, run: run.finish, settle }];
    return (await writeRunBatch(db, writes, this.redact, { insert: insertCase, rows: [row] })) > 0;
  }

  private async writeFinish(db: Db, evalId: string, status: string, head: string | null, error: string | null, at: number, owner?: string) {
    // The error may quote outside text (a provider's answer) holding a NUL, which PostgreSQL's TEXT refuses.
    let update = db.updateTable('eval_results').set({ status, head, error: error === null ? null : nulEscaped(error), finished_at: at, owner: null }).where('id', '=', evalId).where('status', '=', 'running');
    if (owner !== undefined) update = update.where('owner', '=', owner);
    return Number((await update.executeTakeFirst()).numUpdatedRows) > 0;
  }

  async create(evalRun: NewEval) {
    await this.writeCreate(this.db, evalRun);
  }

  async appendCase(evalId: string, record: CaseRecord, position: number, run?: CaseRun) {
    return this.writeCase(this.db, evalId, record, position, run);
  }

  async readCase(evalId: string, caseId: string, repeat: number) {
    const row = await this.db.selectFrom('eval_cases').select('record').where('eval_id', '=', evalId).where('case_id', '=', caseId).where('repeat', '=', repeat).executeTakeFirst();
    return row ? (JSON.parse(row.record) as CaseRecord) : undefined;
  }

  async finish(evalId: string, outcome: { status: Exclude<EvalStatus, 'running'>; head?: EvalHead; error?: string }, as?: { owner: string }) {
    return this.writeFinish(this.db, evalId, outcome.status, outcome.head ? this.json(outcome.head) : null, outcome.error === undefined ? null : this.redact(outcome.error), Date.now(), as?.owner);
  }

  async get(id: string) {
    const row = await this.select().where('id', '=', id).executeTakeFirst();
    return row ? toStored(row as Row) : undefined;
  }

  async cases(evalId: string) {
    const rows = await this.db.selectFrom('eval_cases').select('record').where('eval_id', '=', evalId).orderBy('position').orderBy('repeat').execute();
    return rows.map((r) => JSON.parse(r.record) as CaseRecord);
  }

  async caseIds(evalId: string) {
    const rows = await this.db.selectFrom('eval_cases').select('case_id').distinct().where('eval_id', '=', evalId).execute();
    return rows.map((r) => r.case_id);
  }

  async casesInFinishOrder(evalId: string) {
    const rows = await this.db.selectFrom('eval_cases as c').select('c.record').where('c.eval_id', '=', evalId).orderBy(insertOrder(this.db, 'c')).execute();
    return rows.map((r) => JSON.parse(r.record) as CaseRecord);
  }

  async list({ pipeline, limit, cursor }: { pipeline?: string } & PageRequest) {
    let q = this.select();
    if (pipeline !== undefined) q = q.where('pipeline', '=', pipeline);
    if (cursor !== undefined) {
      const [at, seq] = decodeIntCursor<[number, number]>(cursor, 2);
      q = q.where(sql<boolean>`(e.created_at, ${insertOrder(this.db, 'e')}) < (${at}, ${seq})`);
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy(insertOrder(this.db, 'e'), 'desc').limit(limit + 1).execute();
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
