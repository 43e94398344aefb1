import type { NodeTrace, ResolvedRef, RunEvent, RunStatus } from '@patchbay/core';
import type { SqliteDatabase } from './db';
import { decodeCursor, toPage, type Page, type PageRequest } from './paging';
import type { StorageHealth } from './storage-health';
import { ValueSharing, valueReviver, type SharedValue } from './run-values';

/** Where a run came from: the editor, the API, serving (`POST /api/pipelines/:name/run`), the OpenAI-compatible endpoint, an eval case, the CLI. */
export const RUN_SOURCES = ['editor', 'api', 'serve', 'openai', 'eval', 'cli'] as const;
export type RunSource = (typeof RUN_SOURCES)[number];

export interface RunSummary {
  id: string;
  pipeline: string | null;
  version: number | null;
  status: RunStatus;
  error: string | null;
  failedNode: string | null;
  /** Epoch milliseconds, as in the engine's traces. */
  startedAt: number;
  durationMs: number | null;
  source: RunSource;
  /** The label the run was served under (`production`), when it was served by label. */
  label: string | null;
  /** The serving key's name, when a serving key called. */
  keyName: string | null;
  /** A run started from a node of an earlier run (only that node and what is downstream ran); null for a whole run. */
  from: { run: string; node: string } | null;
}

/** The full trace of a run. `document` is set for a run of an inline (unsaved) document. */
export interface RunRecord extends RunSummary {
  document: unknown | null;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
  nodes: Record<string, NodeTrace>;
  /** The version each pipeline reference resolved to when the run started (labels included). */
  resolved: Record<string, ResolvedRef> | null;
}

export interface RunStart {
  id: string;
  pipeline: string | null;
  version: number | null;
  document: unknown | null;
  inputs: Record<string, unknown>;
  startedAt: number;
  /** Which process runs it (`host:pid`), so a restart only interrupts runs of dead processes. */
  owner: string;
  /** Default `api`. */
  source?: RunSource;
  label?: string | null;
  keyName?: string | null;
  from?: { run: string; node: string };
}

/** `GET /api/runs`: each filter given narrows the list; newest first. */
export interface RunQuery extends PageRequest {
  pipeline?: string;
  source?: RunSource;
  label?: string;
  version?: number;
  status?: RunStatus;
  /** Only runs a monitor scored, within `minScore`..`maxScore` when given. */
  monitor?: { name: string; minScore?: number; maxScore?: number };
  /** Only runs that finished in [from, to) (epoch ms): the runs behind one step of `GET /api/metrics`, which counts a run where it finished. */
  finished?: { from: number; to: number };
}

export interface RunFinish {
  id: string;
  status: Exclude<RunStatus, 'running'>;
  outputs: Record<string, unknown> | null;
  error: string | null;
  failedNode: string | null;
  durationMs: number;
  nodes: Record<string, NodeTrace>;
  events: RunEvent[];
  resolved?: Record<string, ResolvedRef>;
}

export interface RunStore {
  /**
   * Records a started run. Writes are queued and committed in batches (group
   * commit); the promise settles when the batch holding this run is committed
   * (or rejects with the write's error, a StorageFailure when storage fails), so
   * whoever acknowledges the run awaits it first. Reads see queued writes (they flush first).
   */
  begin(run: RunStart): Promise<void>;
  /** Records the end of a run with its node traces and events, in one transaction with other queued writes; settles on commit. */
  finish(run: RunFinish): Promise<void>;
  get(id: string): Promise<RunRecord | undefined>;
  /** The events of a finished run, for replay. */
  events(id: string): Promise<RunEvent[] | undefined>;
  /** Newest first, a page at a time. */
  list(query: RunQuery): Promise<Page<RunSummary>>;
  /** At start-up: runs left `running` by a process that is gone become `interrupted`. */
  interruptOrphans(isOwnerAlive: (owner: string) => boolean): Promise<number>;
  flush(): Promise<void>;
  /** Deletes finished runs (with their node traces) that started before `before`; returns how many. */
  prune(before: number): Promise<number>;
}

export interface RunRow {
  id: string;
  pipeline: string | null;
  version: number | null;
  document: string | null;
  inputs: string;
  outputs: string | null;
  status: RunStatus;
  error: string | null;
  failed_node: string | null;
  started_at: number;
  duration_ms: number | null;
  owner: string | null;
  source: RunSource;
  label: string | null;
  key_name: string | null;
  resolved?: string | null;
  from_run?: string | null;
  from_node?: string | null;
  seq?: number;
}

export const toRunSummary = (r: RunRow): RunSummary => ({
  id: r.id,
  pipeline: r.pipeline,
  version: r.version,
  status: r.status,
  error: r.error,
  failedNode: r.failed_node,
  startedAt: r.started_at,
  durationMs: r.duration_ms,
  source: r.source,
  label: r.label,
  keyName: r.key_name,
  from: r.from_run ? { run: r.from_run, node: r.from_node ?? '' } : null,
});

const SUMMARY_COLUMNS = 'rowid AS seq, id, pipeline, version, status, error, failed_node, started_at, duration_ms, source, label, key_name, from_run, from_node';

/** A crash loses at most this much of the run history; reads never see less (they flush first). */
const FLUSH_DELAY_MS = 5;
const MAX_BATCH = 1000;

/**
 * An event as stored: without its `runId` (the row's id; it was a third of the
 * text) and, for node.completed / node.failed, without the trace run_nodes
 * holds already. `events()` puts both back.
 */
export function storedEvent(event: RunEvent): unknown {
  const { runId: _runId, ...rest } = event as RunEvent & { trace?: NodeTrace };
  if (event.type === 'node.completed' || event.type === 'node.failed') delete rest.trace;
  return rest;
}

/** Stored events as the engine emitted them: `type` and `runId` first, node events with their traces (run_nodes has them once). `parse` puts shared values back (valueReviver). */
export function restoreEvents(id: string, stored: RunEvent[], traceTexts: () => string[], parse: (text: string) => any = JSON.parse): RunEvent[] {
  const traces = new Map<string, NodeTrace>();
  if (stored.some((e) => e.type === 'node.completed' || e.type === 'node.failed')) {
    for (const json of traceTexts()) {
      const trace = parse(json) as NodeTrace;
      traces.set(trace.id, trace);
    }
  }
  return stored.map((e) => {
    const event = Object.assign({ type: e.type, runId: id }, e) as RunEvent;
    if (event.type === 'node.completed' || event.type === 'node.failed') event.trace ??= traces.get(event.nodeId)!;
    return event;
  });
}

type Write = ({ kind: 'begin'; run: RunStart } | { kind: 'finish'; run: RunFinish }) & { settle: (err?: Error) => void };

export interface SqliteRunStoreOptions {
  /** Applied to every JSON text before it is written: keeps secrets out of the file. */
  redact?: (json: string) => string;
  /** Told about a write that failed (a batch is retried write by write, so one bad run loses only itself). */
  onWriteError?: (error: Error, runId: string) => void;
  /** Told when a write fails for want of storage. */
  health?: StorageHealth;
}

export class SqliteRunStore implements RunStore {
  private readonly db: SqliteDatabase;
  private readonly redact: (json: string) => string;
  private readonly onWriteError: (error: Error, runId: string) => void;
  private readonly health?: StorageHealth;
  private readonly stmts;
  private queue: Write[] = [];
  private scheduled = false;
  private immediate = false;
  private readonly writeBatch;
  private readonly listStatements = new Map<string, import('better-sqlite3').Statement<(string | number)[], RunRow>>();

  constructor(db: SqliteDatabase, options: SqliteRunStoreOptions = {}) {
    this.db = db;
    this.redact = options.redact ?? ((json) => json);
    this.onWriteError = options.onWriteError ?? (() => {});
    this.health = options.health;
    this.stmts = {
      begin: db.prepare(
        `INSERT INTO runs (id, pipeline, version, document, inputs, status, started_at, owner, source, label, key_name, from_run, from_node)
         VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)`,
      ),
      whole: db.prepare(
        `INSERT INTO runs (id, pipeline, version, document, inputs, status, started_at, owner, outputs, error, failed_node, duration_ms, events, source, label, key_name, from_run, from_node, resolved)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      finish: db.prepare(
        `UPDATE runs SET status = ?, outputs = ?, error = ?, failed_node = ?, duration_ms = ?, events = ?, resolved = ?, owner = NULL WHERE id = ?`,
      ),
      node: db.prepare(
        `INSERT OR REPLACE INTO run_nodes (run_id, node_id, type, status, started_at, duration_ms, attempts, error, model,
           prompt_tokens, completion_tokens, cost_usd, trace) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      get: db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?'),
      value: db.prepare('INSERT OR IGNORE INTO run_values (run_id, hash, value) VALUES (?, ?, ?)'),
      values: db.prepare<[string], SharedValue>('SELECT hash, value FROM run_values WHERE run_id = ?'),
      nodes: db.prepare<[string], string>('SELECT trace FROM run_nodes WHERE run_id = ? ORDER BY started_at, rowid').pluck(),
      events: db.prepare<[string], { events: string | null }>('SELECT events FROM runs WHERE id = ?'),
      running: db.prepare<[], { id: string; owner: string | null }>("SELECT id, owner FROM runs WHERE status = 'running'"),
      interrupt: db.prepare(
        "UPDATE runs SET status = 'interrupted', error = 'the runner stopped before the run ended', owner = NULL WHERE id = ? AND status = 'running'",
      ),
    };
    this.writeBatch = db.transaction((writes: Write[]) => {
      // A run that began and ended within one batch is written once, as its final row.
      const finished = new Map<string, RunFinish>();
      for (const w of writes) if (w.kind === 'finish') finished.set(w.run.id, w.run);
      const written = new Set<string>();
      for (const w of writes) {
        if (w.kind === 'begin') {
          const end = finished.get(w.run.id);
          this.writeBegin(w.run, end);
          if (end) written.add(w.run.id);
        } else if (!written.has(w.run.id)) {
          this.writeFinish(w.run);
        }
      }
    });
  }

  begin(run: RunStart) {
    return this.enqueue({ kind: 'begin', run });
  }

  finish(run: RunFinish) {
    return this.enqueue({ kind: 'finish', run });
  }

  async get(id: string): Promise<RunRecord | undefined> {
    this.flushNow();
    const row = this.stmts.get.get(id);
    if (!row) return undefined;
    const parse = valueReviver(this.stmts.values.all(id));
    const nodes: Record<string, NodeTrace> = {};
    for (const json of this.stmts.nodes.all(id)) {
      const trace = parse(json) as NodeTrace;
      nodes[trace.id] = trace;
    }
    return {
      ...toRunSummary(row),
      document: row.document === null ? null : JSON.parse(row.document),
      inputs: parse(row.inputs),
      outputs: row.outputs === null ? null : parse(row.outputs),
      nodes,
      resolved: row.resolved ? JSON.parse(row.resolved) : null,
    };
  }

  async events(id: string) {
    this.flushNow();
    const row = this.stmts.events.get(id);
    if (!row) return undefined;
    if (!row.events) return [];
    const parse = valueReviver(this.stmts.values.all(id));
    return restoreEvents(id, parse(row.events) as RunEvent[], () => this.stmts.nodes.all(id), parse);
  }

  async list(query: RunQuery) {
    this.flushNow();
    const where: string[] = [];
    const params: (string | number)[] = [];
    for (const [column, value] of [['pipeline', query.pipeline], ['source', query.source], ['label', query.label], ['version', query.version], ['status', query.status]] as const) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    if (query.monitor) {
      // monitor_scores comes with the monitoring store (migration 011).
      const bounds = [query.monitor.minScore === undefined ? '' : ' AND score >= ?', query.monitor.maxScore === undefined ? '' : ' AND score <= ?'].join('');
      where.push(`id IN (SELECT run_id FROM monitor_scores WHERE monitor = ?${bounds})`);
      params.push(query.monitor.name);
      if (query.monitor.minScore !== undefined) params.push(query.monitor.minScore);
      if (query.monitor.maxScore !== undefined) params.push(query.monitor.maxScore);
    }
    if (query.finished) {
      // started_at < to first: the index on started_at narrows before the sum is checked
      where.push('started_at < ? AND started_at + duration_ms >= ? AND started_at + duration_ms < ?');
      params.push(query.finished.to, query.finished.from, query.finished.to);
    }
    if (query.cursor !== undefined) {
      where.push('(started_at, rowid) < (?, ?)');
      params.push(...decodeCursor<[number, number]>(query.cursor, ['number', 'number']));
    }
    // One statement per combination of filters, prepared once.
    const sql = `SELECT ${SUMMARY_COLUMNS} FROM runs${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, rowid DESC LIMIT ?`;
    let stmt = this.listStatements.get(sql);
    if (!stmt) this.listStatements.set(sql, (stmt = this.db.prepare<(string | number)[], RunRow>(sql)));
    return toPage(stmt.all(...params, query.limit + 1), query.limit, (r) => [r.started_at, r.seq!], toRunSummary);
  }

  async interruptOrphans(isOwnerAlive: (owner: string) => boolean) {
    this.flushNow();
    let n = 0;
    for (const { id, owner } of this.stmts.running.all()) {
      if (owner && isOwnerAlive(owner)) continue;
      n += this.stmts.interrupt.run(id).changes;
    }
    return n;
  }

  async flush() {
    this.flushNow();
  }

  async prune(before: number) {
    this.flushNow();
    return this.db.prepare("DELETE FROM runs WHERE started_at < ? AND status <> 'running'").run(before).changes;
  }

  private enqueue(write: Omit<Write, 'settle'>): Promise<void> {
    let settle!: (err?: Error) => void;
    const committed = new Promise<void>((resolve, reject) => (settle = (err) => (err ? reject(err) : resolve())));
    // A caller that does not await (a finish, the CLI's record) must not take the process down; one that awaits still sees the error.
    committed.catch(() => {});
    this.queue.push({ ...write, settle } as Write);
    if (this.queue.length >= MAX_BATCH) {
      this.flushNow();
      return committed;
    }
    if (write.kind === 'begin' && !this.immediate) {
      // A begin holds up an answer (201 only once it is on disk): commit at the end of this
      // turn of the event loop, with every other run that arrived in it (group commit).
      this.immediate = true;
      setImmediate(() => this.flushNow());
    } else if (!this.scheduled) {
      this.scheduled = true;
      // Finishes wait a few milliseconds so that, under load, hundreds of runs share one commit.
      setTimeout(() => this.flushNow(), FLUSH_DELAY_MS).unref();
    }
    return committed;
  }

  private flushNow() {
    this.scheduled = false;
    this.immediate = false;
    if (this.queue.length === 0) return;
    const writes = this.queue;
    this.queue = [];
    try {
      this.writeBatch(writes);
      for (const w of writes) w.settle();
    } catch {
      for (const w of writes) {
        try {
          this.writeBatch([w]);
          w.settle();
        } catch (err) {
          const failure = this.health?.observe(err);
          this.onWriteError(err as Error, w.run.id);
          w.settle(failure ?? (err as Error));
        }
      }
    }
  }

  private json(value: unknown): string {
    return this.redact(JSON.stringify(value ?? null));
  }

  private writeBegin(run: RunStart, end?: RunFinish) {
    const document = run.document === null ? null : this.json(run.document);
    const shared = new ValueSharing(this.redact);
    const inputs = this.json(shared.ports(run.inputs));
    if (!end) {
      this.stmts.begin.run(run.id, run.pipeline, run.version, document, inputs, run.startedAt, run.owner, run.source ?? 'api', run.label ?? null, run.keyName ?? null, run.from?.run ?? null, run.from?.node ?? null);
      this.writeValues(run.id, shared);
      return;
    }
    const [outputs, error, events] = this.outcome(end, shared);
    this.stmts.whole.run(run.id, run.pipeline, run.version, document, inputs, end.status, run.startedAt, outputs, error, end.failedNode, end.durationMs, events, run.source ?? 'api', run.label ?? null, run.keyName ?? null, run.from?.run ?? null, run.from?.node ?? null, this.resolvedJson(end));
    this.writeNodes(end, shared);
    this.writeValues(run.id, shared);
  }

  private outcome(run: RunFinish, shared: ValueSharing): [string | null, string | null, string] {
    return [run.outputs === null ? null : this.json(shared.ports(run.outputs)), run.error === null ? null : this.redact(run.error), this.json(run.events.map((e) => shared.event(storedEvent(e))))];
  }

  private writeFinish(run: RunFinish) {
    const shared = new ValueSharing(this.redact);
    const [outputs, error, events] = this.outcome(run, shared);
    this.stmts.finish.run(run.status, outputs, error, run.failedNode, run.durationMs, events, this.resolvedJson(run), run.id);
    this.writeNodes(run, shared);
    this.writeValues(run.id, shared);
  }

  private writeValues(runId: string, shared: ValueSharing) {
    for (const v of shared.values) this.stmts.value.run(runId, v.hash, v.value);
  }

  private resolvedJson(run: RunFinish): string | null {
    return run.resolved && Object.keys(run.resolved).length > 0 ? JSON.stringify(run.resolved) : null;
  }

  private writeNodes(run: RunFinish, shared: ValueSharing) {
    const text = (s: string | null) => (s === null ? null : this.redact(s));
    for (const t of Object.values(run.nodes)) {
      this.stmts.node.run(
        run.id,
        t.id,
        t.type,
        t.status,
        t.startedAt ?? null,
        t.durationMs ?? null,
        t.attempts,
        t.error === undefined ? null : text(t.error),
        t.model ?? null,
        t.usage?.promptTokens ?? null,
        t.usage?.completionTokens ?? null,
        t.costUsd ?? null,
        this.json(shared.trace(t)),
      );
    }
  }
}
