import type { SqliteDatabase } from './db';
import { appendDeployment } from './deployments';

/** Where a label points. */
export interface LabelState {
  version: number;
  /** ISO 8601. */
  movedAt: string;
}

export interface LabelMove {
  pipeline: string;
  label: string;
  version: number;
  by: string;
  note?: string | null;
  evalId?: string | null;
  forced?: boolean;
}

export interface LabelStore {
  /** `{label: {version, movedAt}}` of one pipeline. */
  list(pipeline: string): Promise<Record<string, LabelState>>;
  get(pipeline: string, label: string): Promise<LabelState | undefined>;
  /** Moves (or creates) the label and appends the move to the history, in one transaction. Returns the version it left (null: new). */
  move(move: LabelMove): Promise<{ from: number | null; state: LabelState }>;
  /** Removes the label, recording the move to nothing. Undefined when there was no such label. */
  remove(pipeline: string, label: string, by: string, note?: string | null): Promise<{ from: number } | undefined>;
  /** Every pipeline's labels (for `GET /v1/models`). */
  all(): Promise<{ pipeline: string; label: string; version: number; movedAt: string }[]>;
}

interface Row {
  label: string;
  version: number;
  moved_at: number;
}

const toState = (r: Row): LabelState => ({ version: r.version, movedAt: new Date(r.moved_at).toISOString() });

export class SqliteLabelStore implements LabelStore {
  private readonly stmts;
  private readonly moveTx;
  private readonly removeTx;

  constructor(private readonly db: SqliteDatabase) {
    this.stmts = {
      list: db.prepare<[string], Row>('SELECT label, version, moved_at FROM labels WHERE pipeline = ? ORDER BY label'),
      get: db.prepare<[string, string], Row>('SELECT label, version, moved_at FROM labels WHERE pipeline = ? AND label = ?'),
      upsert: db.prepare(
        'INSERT INTO labels (pipeline, label, version, moved_at) VALUES (?, ?, ?, ?) ON CONFLICT (pipeline, label) DO UPDATE SET version = excluded.version, moved_at = excluded.moved_at',
      ),
      delete: db.prepare('DELETE FROM labels WHERE pipeline = ? AND label = ?'),
      all: db.prepare<[], Row & { pipeline: string }>('SELECT pipeline, label, version, moved_at FROM labels ORDER BY pipeline, label'),
    };
    this.moveTx = db.transaction((m: LabelMove, at: number) => {
      const before = this.stmts.get.get(m.pipeline, m.label);
      this.stmts.upsert.run(m.pipeline, m.label, m.version, at);
      appendDeployment(this.db, { ...m, from: before?.version ?? null, to: m.version, at });
      return before?.version ?? null;
    });
    this.removeTx = db.transaction((pipeline: string, label: string, by: string, note: string | null, at: number) => {
      const before = this.stmts.get.get(pipeline, label);
      if (!before) return undefined;
      this.stmts.delete.run(pipeline, label);
      appendDeployment(this.db, { pipeline, label, from: before.version, to: null, at, by, note });
      return { from: before.version };
    });
  }

  async list(pipeline: string) {
    const out: Record<string, LabelState> = {};
    for (const row of this.stmts.list.all(pipeline)) out[row.label] = toState(row);
    return out;
  }

  async get(pipeline: string, label: string) {
    const row = this.stmts.get.get(pipeline, label);
    return row ? toState(row) : undefined;
  }

  async move(move: LabelMove) {
    const at = Date.now();
    const from = this.moveTx.immediate(move, at);
    return { from, state: { version: move.version, movedAt: new Date(at).toISOString() } };
  }

  async remove(pipeline: string, label: string, by: string, note: string | null = null) {
    return this.removeTx.immediate(pipeline, label, by, note, Date.now());
  }

  async all() {
    return this.stmts.all.all().map((r) => ({ pipeline: r.pipeline, label: r.label, ...toState(r) }));
  }
}
