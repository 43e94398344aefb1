import type { NodeTrace, ResolvedRef, RunEvent, RunStatus } from '@patchbay/core';
import { sql, type Selectable } from 'kysely';
import type { Database } from './schema';
import { toPage, type Page, type PageRequest } from './paging';
import type { StorageHealth } from './storage-health';
import { valueRefsIn, valueReviver, type SharedValue } from './run-values';
import { decodeIntCursor, groupCommitWait, insertOrder, isVersionNumber, textList, textPairs, type StoreDb } from './dialect';
import { writeRunBatch, type RunWrite } from './run-batch';
import { dropUnreferenced } from './run-documents';

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

/** What a dataset's case is made of (POST /api/datasets/:name/cases): a run's values, without its traces, events or document. */
export type RunInputsAndOutputs = Pick<RunRecord, 'id' | 'pipeline' | 'version' | 'status' | 'inputs' | 'outputs'>;

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

/** A finished run as alert rules read it again (monitoring/alert-history.ts): its cost is summed over its nodes. */
export interface FinishedRunSample {
  id: string;
  version: number | null;
  label: string | null;
  status: Exclude<RunStatus, 'running'>;
  durationMs: number;
  costUsd: number;
  /** started_at + duration_ms: when it finished. */
  finishedAt: number;
}

/** The latest finished runs of one pipeline from some sources, narrowed to a label and to those finished since a time. */
export interface RecentRunsQuery {
  pipeline: string;
  sources: readonly RunSource[];
  label?: string;
  finishedSince?: number;
  limit: number;
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

export interface WriteOptions {
  /**
   * The caller awaits this write before it acknowledges the run, and refuses the run (503, 507) when
   * it fails: the refusal is the answer and no acknowledged run is lost, so onWriteError is not told.
   */
  refusedOnFailure?: boolean;
}

export interface BeginOptions extends WriteOptions {
  /**
   * The caller answers only when the run has ended, and only once its end is
   * committed (a served answer sent whole): its `running` row may then wait to
   * be written with its end, as one row in one commit. It waits at most
   * HOLD_MS and never past a read (reads flush every queued write first).
   */
  hold?: boolean;
}

export interface RunStore {
  /**
   * Records a started run. Writes are queued and committed in batches (group
   * commit); the promise settles when the batch holding this run is committed
   * (or rejects with the write's error, a StorageFailure when storage fails), so
   * whoever acknowledges the run awaits it first. Reads see queued writes (they flush first).
   */
  begin(run: RunStart, options?: BeginOptions): Promise<void>;
  /** Records the end of a run with its node traces and events, in one transaction with other queued writes; settles on commit. */
  finish(run: RunFinish, options?: WriteOptions): Promise<void>;
  get(id: string): Promise<RunRecord | undefined>;
  /**
   * Many runs' inputs and outputs (with pipeline, version and status) by id, in a few queries, reading none of their
   * node traces, events or documents, nor the values only those hold; an id of no run is not in the map.
   */
  inputsAndOutputs(ids: readonly string[]): Promise<Map<string, RunInputsAndOutputs>>;
  /** A run's status as committed, without flushing this process's queued writes (another process wrote it); undefined when there is none. */
  status(id: string): Promise<RunStatus | undefined>;
  /** The events of a finished run, for replay. */
  events(id: string): Promise<RunEvent[] | undefined>;
  /** The JSON text of a value the run keeps once (run-values.ts), by the SHA-256 of that text; undefined when it keeps none such. */
  value(id: string, hash: string): Promise<string | undefined>;
  /** Newest first, a page at a time. */
  list(query: RunQuery): Promise<Page<RunSummary>>;
  /** The latest finished runs (cancelled ones left out), oldest first, in the order they finished. */
  recentFinished(query: RecentRunsQuery): Promise<FinishedRunSample[]>;
  /**
   * At start-up: runs left `running` by a process that is gone become `interrupted`, except those
   * `stillQueued` says a queue still holds (scaled out: a worker runs them, or runs them again).
   */
  interruptOrphans(isOwnerAlive: (owner: string) => boolean, stillQueued?: (id: string) => Promise<boolean>): Promise<number>;
  flush(): Promise<void>;
  /** Deletes finished runs (with their node traces) that started before `before`; returns how many. */
  prune(before: number): Promise<number>;
}

const SUMMARY = ['id', 'pipeline', 'version', 'status', 'error', 'failed_node', 'started_at', 'duration_ms', 'source', 'label', 'key_name', 'from_run', 'from_node'] as const;

/** The columns a run summary is read from. */
type RunRow = Pick<Selectable<Database['runs']>, (typeof SUMMARY)[number]>;

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

/** A crash loses at most this much of the run history; reads never see less (they flush first). */
const FLUSH_DELAY_MS = 5;
/** No run lasts longer than this (a week): recentFinished looks this far before a time for runs that finished after it. */
const MAX_RUN_MS = 7 * 86_400_000;
const MAX_BATCH = 1000;
/** inputsAndOutputs reads this many runs a query: an answer holds their long values, megabytes (one of 1,000 runs of 100 KB values, 184 MB, was slower than 1,000 reads). */
const IDS_PER_READ = 50;
/**
 * How long a held begin waits for its run's end before it is written as
 * `running`: a crash loses a held run younger than this, which nobody has had
 * an answer of (nor its id) yet.
 */
const HOLD_MS = 1000;

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

export interface RunStoreOptions {
  /** Applied to every JSON text before it is written: keeps secrets out of the database. */
  redact?: (json: string) => string;
  /**
   * Told about a write that failed (a batch is retried write by write, so one bad run loses only itself),
   * unless its caller refuses the run for it (WriteOptions.refusedOnFailure): a run acknowledged, or
   * written by no one who answers, is lost.
   */
  onWriteError?: (error: Error, runId: string) => void;
  /** Told when a write fails for want of storage. */
  health?: StorageHealth;
}

/**
 * Runs and node traces on either database, with group commit: `begin` and
 * `finish` queue, a batch goes in one transaction (run-batch.ts), batches are
 * written one after another so a run's end never overtakes its start, and each
 * write's promise settles when its batch is committed. A batch that fails is
 * retried write by write, so one bad run (or a full disk) loses only itself.
 */
export class KyselyRunStore implements RunStore {
  private readonly redact: (json: string) => string;
  private readonly onWriteError: (error: Error, runId: string) => void;
  private readonly health?: StorageHealth;
  private queue: RunWrite[] = [];
  private scheduled = false;
  private soon = false;
  private writing: Promise<void> = Promise.resolve();
  /** Held begins still queued (see BeginOptions.hold): run id → until when. */
  private readonly held = new Map<string, number>();
  private holdTimer: NodeJS.Timeout | undefined;

  constructor(private readonly db: StoreDb, options: RunStoreOptions = {}) {
    this.redact = options.redact ?? ((json) => json);
    this.onWriteError = options.onWriteError ?? (() => {});
    this.health = options.health;
  }

  begin(run: RunStart, options: BeginOptions = {}) {
    return this.enqueue({ kind: 'begin', run, refusedOnFailure: options.refusedOnFailure }, options.hold === true);
  }

  finish(run: RunFinish, options: WriteOptions = {}) {
    return this.enqueue({ kind: 'finish', run, refusedOnFailure: options.refusedOnFailure });
  }

  async get(id: string): Promise<RunRecord | undefined> {
    await this.flush();
    const row = await this.db
      .selectFrom('runs')
      .leftJoin('run_documents as d', 'd.hash', 'runs.document_hash')
      .selectAll('runs')
      .select('d.document as shared_document')
      .where('runs.id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    // Stored once in run_documents (run-documents.ts), or in the row itself by a store before that.
    const document = row.shared_document ?? row.document;
    const parse = await this.reviver(id);
    const nodes: Record<string, NodeTrace> = {};
    for (const json of await this.traceTexts(id)) {
      const trace = parse(json) as NodeTrace;
      nodes[trace.id] = trace;
    }
    return {
      ...toRunSummary(row),
      document: document === null ? null : JSON.parse(document),
      inputs: parse(row.inputs),
      outputs: row.outputs === null ? null : parse(row.outputs),
      nodes,
      resolved: row.resolved ? JSON.parse(row.resolved) : null,
    };
  }

  async inputsAndOutputs(ids: readonly string[]): Promise<Map<string, RunInputsAndOutputs>> {
    await this.flush();
    const found = new Map<string, RunInputsAndOutputs>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += IDS_PER_READ) {
      const rows = await this.db
        .selectFrom('runs')
        .select(['id', 'pipeline', 'version', 'status', 'inputs', 'outputs'])
        .where(sql<boolean>`id IN (${textList(this.db, unique.slice(i, i + IDS_PER_READ))})`)
        .execute();
      // Only the values these texts refer to: a run keeps others (its nodes' own), which a whole read parses too.
      const refs = rows.flatMap((r) => [...new Set([...valueRefsIn(r.inputs), ...valueRefsIn(r.outputs ?? '')])].map((hash) => [r.id, hash] as const));
      const values = new Map<string, SharedValue[]>();
      const valueRows = refs.length === 0 ? [] : await this.db.selectFrom('run_values').select(['run_id', 'hash', 'value']).where(sql<boolean>`(run_id, hash) IN (${textPairs(this.db, refs)})`).execute();
      for (const v of valueRows) {
        if (!values.has(v.run_id)) values.set(v.run_id, []);
        values.get(v.run_id)!.push(v);
      }
      for (const r of rows) {
        const parse = valueReviver(values.get(r.id) ?? []);
        found.set(r.id, { id: r.id, pipeline: r.pipeline, version: r.version, status: r.status, inputs: parse(r.inputs), outputs: r.outputs === null ? null : parse(r.outputs) });
      }
    }
    return found;
  }

  async status(id: string): Promise<RunStatus | undefined> {
    const row = await this.db.selectFrom('runs').select('status').where('id', '=', id).executeTakeFirst();
    return row?.status;
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

  async value(id: string, hash: string) {
    await this.flush();
    const row = await this.db.selectFrom('run_values').select('value').where('run_id', '=', id).where('hash', '=', hash).executeTakeFirst();
    return row?.value;
  }

  async recentFinished(query: RecentRunsQuery): Promise<FinishedRunSample[]> {
    await this.flush();
    const finishedAt = sql<number>`r.started_at + r.duration_ms`;
    let q = this.db
      .selectFrom('runs as r')
      .select(['r.id', 'r.version', 'r.label', 'r.status', 'r.duration_ms'])
      .select(finishedAt.as('finished_at'))
      .select((eb) => eb.selectFrom('run_nodes as n').select((n) => n.fn.sum<number | null>('n.cost_usd').as('c')).whereRef('n.run_id', '=', 'r.id').as('cost'))
      .where('r.pipeline', '=', query.pipeline)
      .where('r.source', 'in', [...query.sources])
      .where('r.status', 'not in', ['running', 'cancelled'])
      .where('r.duration_ms', 'is not', null);
    if (query.label !== undefined) q = q.where('r.label', '=', query.label);
    // started_at first, so the index on (pipeline, started_at) narrows before the sum is checked.
    if (query.finishedSince !== undefined) q = q.where('r.started_at', '>', query.finishedSince - MAX_RUN_MS).where(finishedAt, '>', query.finishedSince);
    // The latest by start (the index's order), then in the order they finished.
    const rows = await q.orderBy('r.started_at', 'desc').orderBy(insertOrder(this.db, 'r'), 'desc').limit(query.limit).execute();
    const runs = rows.map((r) => ({
      id: r.id,
      version: r.version,
      label: r.label,
      status: r.status as FinishedRunSample['status'],
      durationMs: Number(r.duration_ms),
      costUsd: Number(r.cost ?? 0),
      finishedAt: Number(r.finished_at),
    }));
    return runs.reverse().sort((a, b) => a.finishedAt - b.finishedAt);
  }

  async list(query: RunQuery) {
    await this.flush();
    let q = this.db.selectFrom('runs as r').select(SUMMARY).select(insertOrder(this.db, 'r').as('seq'));
    if (query.pipeline !== undefined) q = q.where('pipeline', '=', query.pipeline);
    if (query.source !== undefined) q = q.where('source', '=', query.source);
    if (query.label !== undefined) q = q.where('label', '=', query.label);
    if (query.version !== undefined) {
      // No run ran a version no version can have: an empty list, not PostgreSQL refusing the parameter.
      if (!isVersionNumber(query.version)) return { items: [], nextCursor: null };
      q = q.where('version', '=', query.version);
    }
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
      // A run counts where it finished (started_at + duration_ms); started_at < to first, so the index on started_at narrows before the sum is checked.
      q = q
        .where('started_at', '<', finished.to)
        .where(sql<number>`started_at + duration_ms`, '>=', finished.from)
        .where(sql<number>`started_at + duration_ms`, '<', finished.to);
    }
    if (query.cursor !== undefined) {
      const [at, seq] = decodeIntCursor<[number, number]>(query.cursor, 2);
      q = q.where(sql<boolean>`(r.started_at, ${insertOrder(this.db, 'r')}) < (${at}, ${seq})`);
    }
    const rows = await q.orderBy('started_at', 'desc').orderBy(insertOrder(this.db, 'r'), 'desc').limit(query.limit + 1).execute();
    return toPage(rows, query.limit, (r) => [r.started_at, r.seq], toRunSummary);
  }

  async interruptOrphans(isOwnerAlive: (owner: string) => boolean, stillQueued?: (id: string) => Promise<boolean>) {
    await this.flush();
    const running = await this.db.selectFrom('runs').select(['id', 'owner']).where('status', '=', 'running').execute();
    const orphans: string[] = [];
    for (const r of running) if (!(r.owner && isOwnerAlive(r.owner)) && !(stillQueued && (await stillQueued(r.id)))) orphans.push(r.id);
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
    return this.flushQueued(true);
  }

  /** Writes what is queued; held begins too when `all`, else only those whose run has ended or whose time is up. */
  private flushQueued(all: boolean): Promise<void> {
    this.scheduled = false;
    this.soon = false;
    const writes = this.take(all);
    if (writes.length > 0) this.writing = this.writing.then(() => this.write(writes));
    return this.writing;
  }

  private take(all: boolean): RunWrite[] {
    const queue = this.queue;
    if (all || this.held.size === 0) {
      this.queue = [];
      this.held.clear();
      return queue;
    }
    const now = Date.now();
    const ending = new Set<string>();
    for (const w of queue) if (w.kind === 'finish') ending.add(w.run.id);
    const writes: RunWrite[] = [];
    this.queue = [];
    for (const w of queue) {
      const until = w.kind === 'begin' ? this.held.get(w.run.id) : undefined;
      if (until !== undefined && until > now && !ending.has(w.run.id)) {
        this.queue.push(w);
        continue;
      }
      if (until !== undefined) this.held.delete(w.run.id);
      writes.push(w);
    }
    return writes;
  }

  /** Writes held begins whose time is up (their runs are still going: written as `running`). */
  private armHold() {
    if (this.holdTimer || this.held.size === 0) return;
    const next = Math.min(...this.held.values());
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      void this.flushQueued(false);
      this.armHold();
    }, Math.max(0, next - Date.now()) + 1).unref();
  }

  async prune(before: number) {
    await this.flush();
    const result = await this.db.deleteFrom('runs').where('started_at', '<', before).where('status', '<>', 'running').executeTakeFirst();
    // Then the documents only those runs ran (a document is no run's own: no cascade can take it).
    await dropUnreferenced(this.db);
    return Number(result.numDeletedRows);
  }

  private async reviver(id: string) {
    return valueReviver(await this.db.selectFrom('run_values').select(['hash', 'value']).where('run_id', '=', id).execute());
  }

  private async traceTexts(id: string): Promise<string[]> {
    const rows = await this.db.selectFrom('run_nodes as n').select('n.trace').where('n.run_id', '=', id).orderBy('n.started_at').orderBy(insertOrder(this.db, 'n')).execute();
    return rows.map((r) => r.trace);
  }

  private enqueue(write: Omit<RunWrite, 'settle'>, hold = false): Promise<void> {
    let settle!: (err?: Error) => void;
    const committed = new Promise<void>((resolve, reject) => (settle = (err) => (err ? reject(err) : resolve())));
    // A caller that does not await (a finish, the CLI's record) must not take the process down; one that awaits still sees the error.
    committed.catch(() => {});
    this.queue.push({ ...write, settle } as RunWrite);
    // An answer waits for this write: a begin (201 only once it is stored), or the end of a held run (its answer).
    const answered = (write.kind === 'begin' && !hold) || (write.kind === 'finish' && this.held.has(write.run.id));
    if (hold) this.held.set(write.run.id, Date.now() + HOLD_MS);
    if (this.queue.length >= MAX_BATCH) {
      void this.flush();
    } else if (hold) {
      this.armHold();
    } else if (answered && !this.soon && groupCommitWait(this.db) === 'turn') {
      // Commit at the end of this turn of the event loop, with every other run that arrived in it (group commit).
      this.soon = true;
      setImmediate(() => void this.flushQueued(false));
    } else if (!this.scheduled) {
      this.scheduled = true;
      // Finishes wait a few milliseconds so that, under load, hundreds of runs share one commit.
      setTimeout(() => void this.flushQueued(false), FLUSH_DELAY_MS).unref();
    }
    return committed;
  }

  private async write(writes: RunWrite[]): Promise<void> {
    try {
      await writeRunBatch(this.db, writes, this.redact);
      for (const w of writes) w.settle();
    } catch {
      for (const w of writes) {
        try {
          await writeRunBatch(this.db, [w], this.redact);
          w.settle();
        } catch (err) {
          const failure = this.health?.observe(err);
          if (!w.refusedOnFailure) this.onWriteError(err as Error, w.run.id);
          w.settle(failure ?? (err as Error));
        }
      }
    }
  }
}
