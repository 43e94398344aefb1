import { randomUUID } from 'node:crypto';
import type { CaseRecord, EvalDatasetRef, EvalHead, EvalResult, EvalStatus, Gate, ScorerSpec } from '@patchbay/evals';
import type { SqliteDatabase } from './db';
import { decodeCursor, toPage, type Page, type PageRequest } from './paging';

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
export type ResultMeta = { pipeline?: string; version?: number | null; dataset: string; baseline?: string | null; id?: string };

/** The eval row a finished result file stands for (imported results, both databases). */
export function newEvalFromResult(result: EvalResult, meta: ResultMeta): NewEval {
  const scorers = Object.keys(result.summary?.scorers ?? {}).map((name) => ({ name }));
  return {
    id: meta.id ?? randomUUID(),
    pipeline: meta.pipeline ?? result.pipeline.name,
    version: meta.version ?? result.pipeline.version ?? null,
    dataset: { name: meta.dataset, hash: result.dataset.hash, cases: result.dataset.cases },
    total: result.cases.length,
    baseline: meta.baseline ?? null,
    spec: { suite: result.suite, scorers, repeat: result.repeat ?? 1, seed: result.seed ?? 'patchbay', behaviorHash: result.pipeline.behaviorHash },
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
  appendCase(evalId: string, record: CaseRecord, position: number): Promise<boolean>;
  readCase(evalId: string, caseId: string, repeat: number): Promise<CaseRecord | undefined>;
  finish(evalId: string, outcome: { status: Exclude<EvalStatus, 'running'>; head?: EvalHead; error?: string }): Promise<void>;
  get(id: string): Promise<StoredEval | undefined>;
  /** In dataset order (case, then repeat). */
  cases(evalId: string): Promise<CaseRecord[]>;
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
  insertResult(result: EvalResult, meta: { pipeline?: string; version?: number | null; dataset: string; baseline?: string | null; id?: string }): Promise<string>;
}

interface Row {
  id: string;
  pipeline: string;
  version: number | null;
  dataset: string;
  dataset_hash: string;
  dataset_cases: number;
  status: EvalStatus;
  total: number;
  done: number;
  baseline: string | null;
  spec: string;
  head: string | null;
  error: string | null;
  created_at: number;
  finished_at: number | null;
  seq: number;
}

const COLUMNS = `e.rowid AS seq, id, pipeline, version, dataset, dataset_hash, dataset_cases, status, total, baseline, spec, head, error, created_at, finished_at,
  (SELECT COUNT(*) FROM eval_cases c WHERE c.eval_id = e.id) AS done`;

function toStored(r: Row): StoredEval {
  return {
    id: r.id,
    pipeline: r.pipeline,
    version: r.version,
    dataset: { name: r.dataset, hash: r.dataset_hash, cases: r.dataset_cases },
    status: r.status,
    progress: { done: r.done, total: r.total },
    baseline: r.baseline,
    spec: JSON.parse(r.spec) as EvalSpec,
    head: r.head ? (JSON.parse(r.head) as EvalHead) : null,
    error: r.error,
    createdAt: new Date(r.created_at).toISOString(),
    finishedAt: r.finished_at === null ? null : new Date(r.finished_at).toISOString(),
  };
}

export class SqliteEvalStore implements EvalStore {
  private readonly stmts;
  private readonly insertTx;

  constructor(db: SqliteDatabase, private readonly redact: (json: string) => string = (json) => json) {
    this.stmts = {
      create: db.prepare(
        `INSERT INTO eval_results (id, pipeline, version, dataset, dataset_hash, dataset_cases, status, total, baseline, spec, created_at, owner)
         VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
      ),
      appendCase: db.prepare(
        'INSERT INTO eval_cases (eval_id, case_id, repeat, position, status, record) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      readCase: db.prepare<[string, string, number], string>('SELECT record FROM eval_cases WHERE eval_id = ? AND case_id = ? AND repeat = ?').pluck(),
      finish: db.prepare(
        "UPDATE eval_results SET status = ?, head = ?, error = ?, finished_at = ?, owner = NULL WHERE id = ? AND status = 'running'",
      ),
      get: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM eval_results e WHERE id = ?`),
      cases: db.prepare<[string], string>('SELECT record FROM eval_cases WHERE eval_id = ? ORDER BY position, repeat').pluck(),
      finishOrder: db.prepare<[string], string>('SELECT record FROM eval_cases WHERE eval_id = ? ORDER BY rowid').pluck(),
      listAll: db.prepare<[number, number, number], Row>(`SELECT ${COLUMNS} FROM eval_results e WHERE (created_at, e.rowid) < (?, ?) ORDER BY created_at DESC, e.rowid DESC LIMIT ?`),
      listPipeline: db.prepare<[string, number, number, number], Row>(
        `SELECT ${COLUMNS} FROM eval_results e WHERE pipeline = ? AND (created_at, e.rowid) < (?, ?) ORDER BY created_at DESC, e.rowid DESC LIMIT ?`,
      ),
      reopen: db.prepare(
        "UPDATE eval_results SET status = 'running', head = NULL, error = NULL, finished_at = NULL, owner = ? WHERE id = ? AND status IN ('interrupted', 'cancelled')",
      ),
      running: db.prepare<[], { id: string; owner: string | null }>("SELECT id, owner FROM eval_results WHERE status = 'running'"),
      interrupt: db.prepare(
        "UPDATE eval_results SET status = 'interrupted', error = 'the runner stopped before the eval ended', finished_at = ?, owner = NULL WHERE id = ? AND status = 'running'",
      ),
    };
    this.insertTx = db.transaction((evalRun: NewEval, result: EvalResult) => {
      this.writeCreate(evalRun);
      const positions = new Map<string, number>();
      for (const record of result.cases) {
        if (!positions.has(record.id)) positions.set(record.id, positions.size);
        this.writeCase(evalRun.id, record, positions.get(record.id)!);
      }
      const { cases: _cases, ...head } = result;
      this.stmts.finish.run('succeeded', this.json(head), null, Date.parse(result.finishedAt) || Date.now(), evalRun.id);
    });
  }

  private json(value: unknown): string {
    return this.redact(JSON.stringify(value ?? null));
  }

  private writeCreate(e: NewEval) {
    this.stmts.create.run(e.id, e.pipeline, e.version, e.dataset.name, e.dataset.hash, e.dataset.cases, e.total, e.baseline, this.json(e.spec), e.createdAt, e.owner);
  }

  private writeCase(evalId: string, record: CaseRecord, position: number): boolean {
    return this.stmts.appendCase.run(evalId, record.id, record.repeat ?? 1, position, record.status, this.json(record)).changes > 0;
  }

  async create(evalRun: NewEval) {
    this.writeCreate(evalRun);
  }

  async appendCase(evalId: string, record: CaseRecord, position: number) {
    return this.writeCase(evalId, record, position);
  }

  async readCase(evalId: string, caseId: string, repeat: number) {
    const json = this.stmts.readCase.get(evalId, caseId, repeat);
    return json === undefined ? undefined : (JSON.parse(json) as CaseRecord);
  }

  async finish(evalId: string, outcome: { status: Exclude<EvalStatus, 'running'>; head?: EvalHead; error?: string }) {
    this.stmts.finish.run(outcome.status, outcome.head ? this.json(outcome.head) : null, outcome.error === undefined ? null : this.redact(outcome.error), Date.now(), evalId);
  }

  async get(id: string) {
    const row = this.stmts.get.get(id);
    return row ? toStored(row) : undefined;
  }

  async cases(evalId: string) {
    return this.stmts.cases.all(evalId).map((json) => JSON.parse(json) as CaseRecord);
  }

  async casesInFinishOrder(evalId: string) {
    return this.stmts.finishOrder.all(evalId).map((json) => JSON.parse(json) as CaseRecord);
  }

  async list({ pipeline, limit, cursor }: { pipeline?: string } & PageRequest) {
    const [at, seq] = cursor === undefined ? [Number.MAX_SAFE_INTEGER, 0] : decodeCursor<[number, number]>(cursor, ['number', 'number']);
    const rows = pipeline === undefined ? this.stmts.listAll.all(at, seq, limit + 1) : this.stmts.listPipeline.all(pipeline, at, seq, limit + 1);
    return toPage(rows, limit, (r) => [r.created_at, r.seq], toStored);
  }

  async reopen(evalId: string, owner: string) {
    return this.stmts.reopen.run(owner, evalId).changes > 0;
  }

  async interruptOrphans(isOwnerAlive: (owner: string) => boolean) {
    let n = 0;
    for (const { id, owner } of this.stmts.running.all()) {
      if (owner && isOwnerAlive(owner)) continue;
      n += this.stmts.interrupt.run(Date.now(), id).changes;
    }
    return n;
  }

  async insertResult(result: EvalResult, meta: ResultMeta) {
    const record = newEvalFromResult(result, meta);
    const id = record.id;
    this.insertTx(record, result);
    return id;
  }
}
