import { sql, type Insertable, type Kysely, type Transaction } from 'kysely';
import type { NodeTrace, RunEvent } from '@patchbay/core';
import { restoreEvents, storedEvent, toRunSummary, type RunFinish, type RunQuery, type RunRecord, type RunRow, type RunStart, type RunStore } from '../runs';
import type { StorageHealth } from '../storage-health';
import type { SqliteRunStoreOptions } from '../runs';
import type { Database } from '../schema';
import { toPage } from '../paging';
import { decodeIntCursor } from '../dialect';
import { ValueSharing, valueReviver, type SharedValue } from '../run-values';

/** As in the SQLite store: writes wait a few ms so that under load many runs share one commit; reads flush first. */
const FLUSH_DELAY_MS = 5;
const MAX_BATCH = 500;
const NODE_ROWS_PER_INSERT = 2000;

type Write = ({ kind: 'begin'; run: RunStart } | { kind: 'finish'; run: RunFinish }) & { settle: (err?: Error) => void };

const SUMMARY = ['seq', 'id', 'pipeline', 'version', 'status', 'error', 'failed_node', 'started_at', 'duration_ms', 'source', 'label', 'key_name', 'from_run', 'from_node'] as const;

/**
 * Runs and node traces on PostgreSQL with the SQLite store's group commit:
 * `begin`/`finish` queue, a batch goes in one transaction (multi-row inserts),
 * batches are written one after another so a run's end never overtakes its
 * start. A batch that fails is retried write by write, so one bad run (or a
 * database that went away) loses only itself and is reported.
 */
export class PostgresRunStore implements RunStore {
  private readonly redact: (json: string) => string;
  private readonly onWriteError: (error: Error, runId: string) => void;
  private queue: Write[] = [];
  private scheduled = false;
  private writing: Promise<void> = Promise.resolve();
  private readonly health?: StorageHealth;

  constructor(private readonly db: Kysely<Database>, options: SqliteRunStoreOptions = {}) {
    this.redact = options.redact ?? ((json) => json);
    this.onWriteError = options.onWriteError ?? (() => {});
    this.health = options.health;
  }

  begin(run: RunStart) {
    return this.enqueue({ kind: 'begin', run });
  }

  finish(run: RunFinish) {
    return this.enqueue({ kind: 'finish', run });
  }

  async get(id: string): Promise<RunRecord | undefined> {
    await this.flush();
    const row = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const parse = await this.reviver(id);
    const nodes: Record<string, NodeTrace> = {};
    for (const json of await this.traceTexts(id)) {
      const trace = parse(json) as NodeTrace;
      nodes[trace.id] = trace;
    }
    return {
      ...toRunSummary(row as RunRow),
      document: row.document === null ? null : JSON.parse(row.document),
      inputs: parse(row.inputs),
      outputs: row.outputs === null ? null : parse(row.outputs),
      nodes,
      resolved: row.resolved ? JSON.parse(row.resolved) : null,
    };
  }

  async events(id: string) {
    await this.flush();
    const row = await this.db.selectFrom('runs').select('events').where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    if (!row.events) return [];
    const traces = await this.traceTexts(id);
    const parse = await this.reviver(id);
    return restoreEvents(id, parse(row.events) as RunEvent[], () => traces, parse);
  }

  async list(query: RunQuery) {
    await this.flush();
    let q = this.db.selectFrom('runs').select(SUMMARY);
    if (query.pipeline !== undefined) q = q.where('pipeline', '=', query.pipeline);
    if (query.source !== undefined) q = q.where('source', '=', query.source);
    if (query.label !== undefined) q = q.where('label', '=', query.label);
    if (query.version !== undefined) q = q.where('version', '=', query.version);
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    const monitor = query.monitor;
    if (monitor) {
      q = q.where('id', 'in', (eb) => {
        let scores = eb.selectFrom('monitor_scores').select('run_id').where('monitor', '=', monitor.name);
        if (monitor.minScore !== undefined) scores = scores.where('score', '>=', monitor.minScore);
        if (monitor.maxScore !== undefined) scores = scores.where('score', '<=', monitor.maxScore);
        return scores;
      });
    }
    const finished = query.finished;
    if (finished) {
      // As in SQLite: a run counts where it finished (started_at + duration_ms), started_at < to first for the index.
      q = q
        .where('started_at', '<', finished.to)
        .where(sql<number>`started_at + duration_ms`, '>=', finished.from)
        .where(sql<number>`started_at + duration_ms`, '<', finished.to);
    }
    if (query.cursor !== undefined) {
      const [at, seq] = decodeIntCursor<[number, number]>(query.cursor, 2);
      q = q.where((eb) => eb(eb.refTuple('started_at', 'seq'), '<', eb.tuple(at, seq)));
    }
    const rows = await q.orderBy('started_at', 'desc').orderBy('seq', 'desc').limit(query.limit + 1).execute();
    return toPage(rows, query.limit, (r) => [r.started_at, r.seq], (r) => toRunSummary(r as RunRow));
  }

  async interruptOrphans(isOwnerAlive: (owner: string) => boolean) {
    await this.flush();
    const running = await this.db.selectFrom('runs').select(['id', 'owner']).where('status', '=', 'running').execute();
    const orphans = running.filter((r) => !(r.owner && isOwnerAlive(r.owner))).map((r) => r.id);
    if (orphans.length === 0) return 0;
    const result = await this.db
      .updateTable('runs')
      .set({ status: 'interrupted', error: 'the runner stopped before the run ended', owner: null })
      .where('id', 'in', orphans)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  flush(): Promise<void> {
    this.scheduled = false;
    if (this.queue.length > 0) {
      const writes = this.queue;
      this.queue = [];
      this.writing = this.writing.then(() => this.write(writes));
    }
    return this.writing;
  }

  async prune(before: number) {
    await this.flush();
    const result = await this.db.deleteFrom('runs').where('started_at', '<', before).where('status', '<>', 'running').executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async reviver(id: string) {
    return valueReviver(await this.db.selectFrom('run_values').select(['hash', 'value']).where('run_id', '=', id).execute());
  }

  private async traceTexts(id: string): Promise<string[]> {
    const rows = await this.db.selectFrom('run_nodes').select('trace').where('run_id', '=', id).orderBy('started_at').orderBy('seq').execute();
    return rows.map((r) => r.trace);
  }

  /** Settles when the batch holding the write is committed (or rejects with its error), as the SQLite store's. */
  private enqueue(write: Omit<Write, 'settle'>): Promise<void> {
    let settle!: (err?: Error) => void;
    const committed = new Promise<void>((resolve, reject) => (settle = (err) => (err ? reject(err) : resolve())));
    committed.catch(() => {}); // a caller that does not await must not take the process down
    this.queue.push({ ...write, settle } as Write);
    if (this.queue.length >= MAX_BATCH) void this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => void this.flush(), FLUSH_DELAY_MS).unref();
    }
    return committed;
  }

  private async write(writes: Write[]): Promise<void> {
    try {
      await this.db.transaction().execute((tx) => this.writeBatch(tx, writes));
      for (const w of writes) w.settle();
    } catch {
      for (const w of writes) {
        try {
          await this.db.transaction().execute((tx) => this.writeBatch(tx, [w]));
          w.settle();
        } catch (err) {
          const failure = this.health?.observe(err);
          this.onWriteError(err as Error, w.run.id);
          w.settle(failure ?? (err as Error));
        }
      }
    }
  }

  private async writeBatch(tx: Transaction<Database>, writes: Write[]) {
    // A run that began and ended within one batch is written once, as its final row.
    const finished = new Map<string, RunFinish>();
    for (const w of writes) if (w.kind === 'finish') finished.set(w.run.id, w.run);
    const inserts: Insertable<Database['runs']>[] = [];
    const updates: RunFinish[] = [];
    const nodes: RunFinish[] = [];
    const begun = new Set<string>();
    // Each run's large values, stored once (see run-values.ts).
    const sharing = new Map<string, ValueSharing>();
    const shared = (id: string) => sharing.get(id) ?? sharing.set(id, new ValueSharing(this.redact)).get(id)!;
    for (const w of writes) {
      if (w.kind === 'begin') {
        const end = finished.get(w.run.id);
        inserts.push(this.beginRow(w.run, shared(w.run.id), end));
        begun.add(w.run.id);
        if (end) nodes.push(end);
      } else if (!begun.has(w.run.id)) {
        updates.push(w.run);
        nodes.push(w.run);
      }
    }
    if (inserts.length) await tx.insertInto('runs').values(inserts).execute();
    for (const run of updates) {
      const [outputs, error, events] = this.outcome(run, shared(run.id));
      await tx
        .updateTable('runs')
        .set({ status: run.status, outputs, error, failed_node: run.failedNode, duration_ms: run.durationMs, events, resolved: resolvedJson(run), owner: null })
        .where('id', '=', run.id)
        .execute();
    }
    const nodeRows = nodes.flatMap((run) => Object.values(run.nodes).map((t) => this.nodeRow(run.id, shared(run.id).trace(t))));
    const values = [...sharing].flatMap(([run_id, s]) => s.values.map((v): SharedValue & { run_id: string } => ({ run_id, ...v })));
    for (let i = 0; i < values.length; i += NODE_ROWS_PER_INSERT) {
      await tx.insertInto('run_values').values(values.slice(i, i + NODE_ROWS_PER_INSERT)).onConflict((oc) => oc.doNothing()).execute();
    }
    // PostgreSQL takes at most 65,535 parameters per statement: 13 per node row.
    for (let i = 0; i < nodeRows.length; i += NODE_ROWS_PER_INSERT) {
      await tx
        .insertInto('run_nodes')
        .values(nodeRows.slice(i, i + NODE_ROWS_PER_INSERT))
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
        )
        .execute();
    }
  }

  private json(value: unknown): string {
    return this.redact(JSON.stringify(value ?? null));
  }

  private outcome(run: RunFinish, shared: ValueSharing): [string | null, string | null, string] {
    return [run.outputs === null ? null : this.json(shared.ports(run.outputs)), run.error === null ? null : this.redact(run.error), this.json(run.events.map((e) => shared.event(storedEvent(e))))];
  }

  private beginRow(run: RunStart, shared: ValueSharing, end?: RunFinish): Insertable<Database['runs']> {
    const base = {
      id: run.id,
      pipeline: run.pipeline,
      version: run.version,
      document: run.document === null ? null : this.json(run.document),
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

  private nodeRow(runId: string, t: NodeTrace) {
    return {
      run_id: runId,
      node_id: t.id,
      type: t.type,
      status: t.status,
      started_at: t.startedAt ?? null,
      duration_ms: t.durationMs ?? null,
      attempts: t.attempts,
      error: t.error === undefined ? null : this.redact(t.error),
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
