import type { Kysely } from 'kysely';
import type { LabelMove, LabelState, LabelStore } from '../labels';
import type { Deployment, DeploymentStore } from '../deployments';
import type { Database } from './schema';

const toState = (r: { version: number; moved_at: number }): LabelState => ({ version: r.version, movedAt: new Date(r.moved_at).toISOString() });

/** Labels and their append-only history: a move locks the label's row (FOR UPDATE), so concurrent moves record every "from" truly. */
export class PostgresLabelStore implements LabelStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(pipeline: string) {
    const out: Record<string, LabelState> = {};
    for (const row of await this.db.selectFrom('labels').select(['label', 'version', 'moved_at']).where('pipeline', '=', pipeline).orderBy('label').execute()) out[row.label] = toState(row);
    return out;
  }

  async get(pipeline: string, label: string) {
    const row = await this.db.selectFrom('labels').select(['version', 'moved_at']).where('pipeline', '=', pipeline).where('label', '=', label).executeTakeFirst();
    return row ? toState(row) : undefined;
  }

  async move(m: LabelMove) {
    const at = Date.now();
    const from = await this.db.transaction().execute(async (tx) => {
      const before = await tx.selectFrom('labels').select('version').where('pipeline', '=', m.pipeline).where('label', '=', m.label).forUpdate().executeTakeFirst();
      await tx
        .insertInto('labels')
        .values({ pipeline: m.pipeline, label: m.label, version: m.version, moved_at: at })
        .onConflict((oc) => oc.columns(['pipeline', 'label']).doUpdateSet({ version: m.version, moved_at: at }))
        .execute();
      const from = before?.version ?? null;
      await tx
        .insertInto('deployments')
        .values({ pipeline: m.pipeline, label: m.label, from_version: from, to_version: m.version, at, by: m.by, note: m.note ?? null, eval_id: m.evalId ?? null, forced: m.forced ? 1 : 0 })
        .execute();
      return from;
    });
    return { from, state: { version: m.version, movedAt: new Date(at).toISOString() } };
  }

  async remove(pipeline: string, label: string, by: string, note: string | null = null) {
    const at = Date.now();
    return this.db.transaction().execute(async (tx) => {
      const before = await tx.deleteFrom('labels').where('pipeline', '=', pipeline).where('label', '=', label).returning('version').executeTakeFirst();
      if (!before) return undefined;
      await tx.insertInto('deployments').values({ pipeline, label, from_version: before.version, to_version: null, at, by, note, eval_id: null, forced: 0 }).execute();
      return { from: before.version };
    });
  }

  async all() {
    const rows = await this.db.selectFrom('labels').select(['pipeline', 'label', 'version', 'moved_at']).orderBy('pipeline').orderBy('label').execute();
    return rows.map((r) => ({ pipeline: r.pipeline, label: r.label, ...toState(r) }));
  }
}

export class PostgresDeploymentStore implements DeploymentStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(pipeline: string, limit = 1000): Promise<Deployment[]> {
    const rows = await this.db
      .selectFrom('deployments')
      .select(['label', 'from_version', 'to_version', 'at', 'by', 'note', 'eval_id', 'forced'])
      .where('pipeline', '=', pipeline)
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      label: r.label,
      from: r.from_version,
      to: r.to_version,
      at: new Date(r.at).toISOString(),
      by: r.by,
      note: r.note,
      ...(r.eval_id ? { evalId: r.eval_id } : {}),
      forced: r.forced === 1,
    }));
  }
}
