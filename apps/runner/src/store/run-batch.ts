import type { Insertable, Transaction } from 'kysely';
import type { NodeTrace } from '@patchbay/core';
import type { Database } from './schema';
import { storedEvent, type RunFinish, type RunStart } from './runs';
import { ValueSharing, type SharedValue } from './run-values';
import { PreparedQuery } from './prepared';

/** A queued begin or finish, and how to tell its caller that its batch committed (or failed). */
export type RunWrite = ({ kind: 'begin'; run: RunStart } | { kind: 'finish'; run: RunFinish }) & { settle: (err?: Error) => void };

/** A run's end: the one statement per run of a batch (the rest are multi-row), so it is compiled once. */
const finishRun = new PreparedQuery<[string, string | null, string | null, string | null, number, string, string | null, string]>(8, (db, status, outputs, error, failedNode, durationMs, events, resolved, id) =>
  db.updateTable('runs').set({ status, outputs, error, failed_node: failedNode, duration_ms: durationMs, events, resolved, owner: null }).where('id', '=', id),
);

/** Rows per multi-row insert: PostgreSQL binds at most 65,535 parameters a statement, SQLite 32,766 (13 per node row). */
const ROWS_PER_INSERT = 2000;

/**
 * Writes one group-commit batch of runs inside `tx`, on either database: new
 * runs in one multi-row insert, finishes as updates, every node trace and
 * shared value in multi-row inserts. A run that began and ended within one
 * batch is written once, as its final row.
 */
export async function writeRunBatch(tx: Transaction<Database>, writes: RunWrite[], redact: (json: string) => string): Promise<void> {
  const rows = new RunRows(redact);
  const finished = new Map<string, RunFinish>();
  for (const w of writes) if (w.kind === 'finish') finished.set(w.run.id, w.run);
  const inserts: Insertable<Database['runs']>[] = [];
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
  if (inserts.length) await tx.insertInto('runs').values(inserts).execute();
  for (const run of updates) {
    const [outputs, error, events] = rows.outcome(run, shared(run.id));
    await finishRun.execute(tx, run.status, outputs, error, run.failedNode, run.durationMs, events, resolvedJson(run), run.id);
  }
  const nodeRows = nodes.flatMap((run) => Object.values(run.nodes).map((t) => rows.nodeRow(run.id, shared(run.id).trace(t))));
  const values = [...sharing].flatMap(([run_id, s]) => s.values.map((v): SharedValue & { run_id: string } => ({ run_id, ...v })));
  for (let i = 0; i < values.length; i += ROWS_PER_INSERT) {
    await tx.insertInto('run_values').values(values.slice(i, i + ROWS_PER_INSERT)).onConflict((oc) => oc.doNothing()).execute();
  }
  for (let i = 0; i < nodeRows.length; i += ROWS_PER_INSERT) {
    await tx
      .insertInto('run_nodes')
      .values(nodeRows.slice(i, i + ROWS_PER_INSERT))
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

/** The rows a run's begin and finish become, JSON redacted. */
class RunRows {
  constructor(private readonly redact: (json: string) => string) {}

  json(value: unknown): string {
    return this.redact(JSON.stringify(value ?? null));
  }

  outcome(run: RunFinish, shared: ValueSharing): [string | null, string | null, string] {
    return [run.outputs === null ? null : this.json(shared.ports(run.outputs)), run.error === null ? null : this.redact(run.error), this.json(run.events.map((e) => shared.event(storedEvent(e))))];
  }

  beginRow(run: RunStart, shared: ValueSharing, end?: RunFinish): Insertable<Database['runs']> {
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

  nodeRow(runId: string, t: NodeTrace) {
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
