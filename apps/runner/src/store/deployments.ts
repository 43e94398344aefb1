import type { Selectable } from 'kysely';
import { decodeIntCursor, type StoreDb } from './dialect';
import type { Database } from './schema';
import { toPage, type Page, type PageRequest } from './paging';

/** One move of a label, as the history keeps it. `to` null: the label was removed. */
export interface Deployment {
  label: string;
  from: number | null;
  to: number | null;
  /** ISO 8601. */
  at: string;
  /** `admin` or a serving key's name. */
  by: string;
  note: string | null;
  /** The promotion's eval of the candidate, when a promotion moved it. */
  evalId?: string;
  forced: boolean;
}

export interface NewDeployment {
  pipeline: string;
  label: string;
  from: number | null;
  to: number | null;
  at: number;
  by: string;
  note?: string | null;
  evalId?: string | null;
  forced?: boolean;
}

/** The append-only history of label moves (DESIGN.md, Deployments): rows are added, never changed. */
export interface DeploymentStore {
  /** Newest first, a page at a time (keyset on the append order). A deleted pipeline's history is still listed. */
  list(pipeline: string, page: PageRequest): Promise<Page<Deployment>>;
}

/** A history row as listed (the table's columns but the pipeline, which the caller named). */
type Row = Omit<Selectable<Database['deployments']>, 'pipeline'>;

const toDeployment = (r: Row): Deployment => ({
  label: r.label,
  from: r.from_version,
  to: r.to_version,
  at: new Date(r.at).toISOString(),
  by: r.by,
  note: r.note,
  ...(r.eval_id ? { evalId: r.eval_id } : {}),
  forced: r.forced === 1,
});

/** Appends one row; called by the label store inside the transaction that moves the label. */
export async function appendDeployment(tx: StoreDb, d: NewDeployment): Promise<void> {
  await tx
    .insertInto('deployments')
    .values({ pipeline: d.pipeline, label: d.label, from_version: d.from, to_version: d.to, at: d.at, by: d.by, note: d.note ?? null, eval_id: d.evalId ?? null, forced: d.forced ? 1 : 0 })
    .execute();
}

export class KyselyDeploymentStore implements DeploymentStore {
  constructor(private readonly db: StoreDb) {}

  async list(pipeline: string, { limit, cursor }: PageRequest) {
    let q = this.db
      .selectFrom('deployments')
      .select(['seq', 'label', 'from_version', 'to_version', 'at', 'by', 'note', 'eval_id', 'forced'])
      .where('pipeline', '=', pipeline);
    if (cursor !== undefined) q = q.where('seq', '<', decodeIntCursor<[number]>(cursor, 1)[0]);
    const rows = await q.orderBy('seq', 'desc').limit(limit + 1).execute();
    return toPage<Row, Deployment>(rows, limit, (r) => [Number(r.seq)], toDeployment);
  }
}
