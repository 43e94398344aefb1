import type { Insertable } from 'kysely';
import type { NodeTrace } from '@patchbay/core';
import type { Database } from './schema';
import { isPostgres, type StoreDb } from './dialect';
import { storedEvent, type RunFinish, type RunStart } from './runs';
import { ValueSharing } from './run-values';
import { insertDocuments, storedDocument } from './run-documents';
import { PreparedInsert, PreparedQuery } from './prepared';
import { nulEscaped } from './nul-in-text';

/** A queued begin or finish, and how to tell its caller that its batch committed (or failed). */
export type RunWrite = ({ kind: 'begin'; run: RunStart } | { kind: 'finish'; run: RunFinish }) & {
  settle: (err?: Error) => void;
  /** Its caller refuses the run when it fails (WriteOptions): not a lost run. */
  refusedOnFailure?: boolean;
};

/** A run's end: the one statement per run of a batch (the rest are multi-row), so it is compiled once. */
const finishRun = new PreparedQuery<[string, string | null, string | null, string | null, number, string, string | null, string]>(8, (db, status, outputs, error, failedNode, durationMs, events, resolved, id) =>
  db.updateTable('runs').set({ status, outputs, error, failed_node: failedNode, duration_ms: durationMs, events, resolved, owner: null }).where('id', '=', id),
);

type RunRow = Insertable<Database['runs']>;
type NodeRow = Database['run_nodes'];
type ValueRow = Database['run_values'];
type DocumentRow = Database['run_documents'];

// The batch's inserts, compiled once per row count (prepared.ts): most batches are a few runs.
const insertRuns = new PreparedInsert<RunRow>(
  ['id', 'pipeline', 'version', 'document_hash', 'inputs', 'outputs', 'status', 'error', 'failed_node', 'started_at', 'duration_ms', 'events', 'owner', 'source', 'label', 'key_name', 'resolved', 'from_run', 'from_node'],
  (db, rows) => db.insertInto('runs').values(rows),
);
const insertValues = new PreparedInsert<ValueRow>(['run_id', 'hash', 'value'], (db, rows) => db.insertInto('run_values').values(rows).onConflict((oc) => oc.doNothing()));
const NODE_COLUMNS = ['run_id', 'node_id', 'type', 'status', 'started_at', 'duration_ms', 'attempts', 'error', 'model', 'prompt_tokens', 'completion_tokens', 'cost_usd', 'trace'] as const;
const insertNodes = new PreparedInsert<NodeRow>(NODE_COLUMNS, (db, rows) =>
  db
    .insertInto('run_nodes')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['run_id', 'node_id']).doUpdateSet((eb) => ({
        type: eb.ref('excluded.type'),
        status: eb.ref('excluded.status'),
        started_at: eb.ref('excluded.started_at'),
        duration_ms: eb.ref('excluded.duration_ms'),
        attempts: eb.ref('excluded.attempts'),
        error: eb.ref('excluded.error'),
        model: eb.ref('excluded.model'),
        prompt_tokens: eb.ref('excluded.prompt_tokens'),
        completion_tokens: eb.ref('excluded.completion_tokens'),
        cost_usd: eb.ref('excluded.cost_usd'),
        trace: eb.ref('excluded.trace'),
      })),
    ),
);

/** Rows per multi-row insert: PostgreSQL binds at most 65,535 parameters a statement, SQLite 32,766 (13 per node row). */
const ROWS_PER_INSERT = 2000;

/**
 * Writes one group-commit batch of runs, on either database: new runs in one
 * multi-row insert, finishes as updates, every node trace and shared value in
 * multi-row inserts, each document runs ran inline once (run-documents.ts), all
 * in one transaction. A run that began and ended within one batch is written
 * once, as its final row. On PostgreSQL a batch of new
 * runs only (an eval case's run, a run begun and ended within HOLD_MS) is one
 * statement, its inserts as CTEs: one round trip and one commit instead of
 * BEGIN, an insert per table and COMMIT (data-modifying CTEs are PostgreSQL's;
 * SQLite, whose commit is local, keeps the transaction).
 */
export async function writeRunBatch(db: StoreDb, writes: RunWrite[], redact: (json: string) => string, also?: AlsoInsert): Promise<number> {
  const rows = new RunRows(redact);
  const finished = new Map<string, RunFinish>();
  for (const w of writes) if (w.kind === 'finish') finished.set(w.run.id, w.run);
  const inserts: RunRow[] = [];
  const updates: RunFinish[] = [];
  const nodes: RunFinish[] = [];
  const begun = new Set<string>();
  // Each run's large values, stored once (see run-values.ts).
  const sharing = new Map<string, ValueSharing>();
  const shared = (id: string) => sharing.get(id) ?? sharing.set(id, new ValueSharing(redact)).get(id)!;
  for (const w of writes) {
    if (w.kind === 'begin') {
      const end = finished.get(w.run.id);
      inserts.push(rows.beginRow(w.run, shared(w.run.id), end));
      begun.add(w.run.id);
      if (end) nodes.push(end);
    } else if (!begun.has(w.run.id)) {
      updates.push(w.run);
      nodes.push(w.run);
    }
  }
  const finishes = updates.map((run) => [run, ...rows.outcome(run, shared(run.id))] as const);
  const nodeRows = nodes.flatMap((run) => Object.values(run.nodes).map((t) => rows.nodeRow(run.id, shared(run.id).trace(t))));
  const values = [...sharing].flatMap(([run_id, s]) => s.values.map((v): ValueRow => ({ run_id, ...v })));
  const documents = rows.documents;
  if (isPostgres(db) && updates.length === 0 && inserts.length > 0 && documents.length * 2 + inserts.length * insertRuns.columns.length + values.length * insertValues.columns.length + nodeRows.length * insertNodes.columns.length + (also ? also.rows.length * also.insert.columns.length : 0) <= MAX_STATEMENT_VALUES) {
    return Number((await insertAtOnce(db, documents, inserts, values, nodeRows, also)).numAffectedRows ?? 0);
  }
  return db.transaction().execute(async (tx) => {
    // Documents before the runs that name them (a foreign key).
    if (documents.length) await insertDocuments(tx).execute(tx, documents);
    if (inserts.length) await insertRuns.execute(tx, inserts);
    for (const [run, outputs, error, events] of finishes) {
      await finishRun.execute(tx, run.status, outputs, error, run.failedNode, run.durationMs, events, resolvedJson(run), run.id);
    }
    for (let i = 0; i < values.length; i += ROWS_PER_INSERT) await insertValues.execute(tx, values.slice(i, i + ROWS_PER_INSERT));
    for (let i = 0; i < nodeRows.length; i += ROWS_PER_INSERT) await insertNodes.execute(tx, nodeRows.slice(i, i + ROWS_PER_INSERT));
    return also ? Number((await also.insert.execute(tx, also.rows)).numAffectedRows ?? 0) : 0;
  });
}

/**
 * Rows of another table written with a batch, in its statement or transaction
 * (an eval case's record with its run, store/evals.ts): writeRunBatch answers
 * how many of them were inserted (an insert that ignores conflicts may add none).
 */
export interface AlsoInsert {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  insert: PreparedInsert<any>;
  rows: Record<string, unknown>[];
}

/** Values one batch statement binds at most (PostgreSQL's limit is 65,535); a larger batch takes the transaction. */
const MAX_STATEMENT_VALUES = 30_000;
/** Shapes (runs, values, node rows) of batch statements kept compiled; others are built each time. */
const MAX_SHAPES = 256;
const batchStatements = new Map<string, PreparedQuery<unknown[]>>();

/** New runs, their documents, shared values and node traces in one PostgreSQL statement, compiled once per shape (prepared.ts). */
function insertAtOnce(db: StoreDb, documents: DocumentRow[], runs: RunRow[], values: ValueRow[], nodes: NodeRow[], also?: AlsoInsert) {
  // The statement's own insert (its row count is the statement's) is the last: `also` when there is one.
  const parts = [
    { insert: insertDocuments('postgres'), rows: documents },
    { insert: insertRuns, rows: runs },
    { insert: insertValues, rows: values },
    { insert: insertNodes, rows: nodes },
    ...(also ? [also] : []),
  ].filter((p) => p.rows.length > 0) as unknown as Array<{ insert: PreparedInsert<Record<string, unknown>>; rows: Record<string, unknown>[] }>;
  // Rows before their references: a CTE's foreign keys are checked at the end of the statement.
  const build = (d: StoreDb, partRows: Record<string, unknown>[][]) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let creator: any = d;
    for (let i = 0; i < parts.length - 1; i++) creator = creator.with(`batch_${i}`, (c: StoreDb) => parts[i].insert.build(c, partRows[i]));
    return parts[parts.length - 1].insert.build(creator as StoreDb, partRows[parts.length - 1]);
  };
  const shape = parts.map((p) => `${p.insert.columns.join('/')}x${p.rows.length}`).join(',');
  let query = batchStatements.get(shape);
  if (!query) {
    const counts = parts.map((p) => p.rows.length);
    const arity = parts.reduce((n, p) => n + p.insert.columns.length * p.rows.length, 0);
    query = new PreparedQuery<unknown[]>(arity, (d, ...marks) => {
      let at = 0;
      const partRows = parts.map((p, i) =>
        Array.from({ length: counts[i] }, () => Object.fromEntries(p.insert.columns.map((column) => [column, marks[at++]]))),
      );
      return build(d, partRows);
    });
    if (batchStatements.size < MAX_SHAPES) batchStatements.set(shape, query);
  }
  const args: unknown[] = [];
  for (const p of parts) for (const row of p.rows) for (const column of p.insert.columns) args.push(row[column] ?? null);
  return query.execute(db, ...args);
}

/** The rows a run's begin and finish become, JSON redacted; the batch's documents, each once. */
class RunRows {
  private readonly texts = new Map<string, string>();
  private readonly hashes = new Map<object, string>();

  constructor(private readonly redact: (json: string) => string) {}

  get documents(): DocumentRow[] {
    return [...this.texts].map(([hash, document]) => ({ hash, document }));
  }

  /** The hash a run's document is stored under (null: a saved version's run, which names its pipeline instead). */
  document(document: unknown): string | null {
    if (document === null || document === undefined) return null;
    // The runs of one document in one batch: redacted once (the redactor does not change within a batch).
    const again = typeof document === 'object' ? this.hashes.get(document) : undefined;
    if (again) return again;
    const { hash, text } = storedDocument(document, this.redact);
    this.texts.set(hash, text);
    if (typeof document === 'object') this.hashes.set(document, hash);
    return hash;
  }

  json(value: unknown): string {
    return this.redact(JSON.stringify(value ?? null));
  }

  outcome(run: RunFinish, shared: ValueSharing): [string | null, string | null, string] {
    return [run.outputs === null ? null : this.json(shared.ports(run.outputs)), run.error === null ? null : nulEscaped(this.redact(run.error)), this.json(run.events.map((e) => shared.event(storedEvent(e))))];
  }

  beginRow(run: RunStart, shared: ValueSharing, end?: RunFinish): RunRow {
    const base = {
      id: run.id,
      pipeline: run.pipeline,
      version: run.version,
      document_hash: this.document(run.document),
      inputs: this.json(shared.ports(run.inputs)),
      started_at: run.startedAt,
      source: run.source ?? 'api',
      label: run.label ?? null,
      key_name: run.keyName ?? null,
      from_run: run.from?.run ?? null,
      from_node: run.from?.node ?? null,
    };
    if (!end) return { ...base, status: 'running', owner: run.owner, outputs: null, error: null, failed_node: null, duration_ms: null, events: null, resolved: null };
    const [outputs, error, events] = this.outcome(end, shared);
    return { ...base, status: end.status, owner: null, outputs, error, failed_node: end.failedNode, duration_ms: end.durationMs, events, resolved: resolvedJson(end) };
  }

  nodeRow(runId: string, t: NodeTrace): NodeRow {
    return {
      run_id: runId,
      node_id: t.id,
      type: t.type,
      status: t.status,
      started_at: t.startedAt ?? null,
      duration_ms: t.durationMs ?? null,
      attempts: t.attempts,
      error: t.error === undefined ? null : nulEscaped(this.redact(t.error)),
      model: t.model ?? null,
      prompt_tokens: t.usage?.promptTokens ?? null,
      completion_tokens: t.usage?.completionTokens ?? null,
      cost_usd: t.costUsd ?? null,
      trace: this.json(t),
    };
  }
}

function resolvedJson(run: RunFinish): string | null {
  return run.resolved && Object.keys(run.resolved).length > 0 ? JSON.stringify(run.resolved) : null;
}
