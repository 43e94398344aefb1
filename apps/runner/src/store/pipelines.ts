import { forUpdate, type StoreDb } from './dialect';
import { appendDeployment } from './deployments';
import type { Database } from './schema';
import { decodeCursor, toPage, type Page, type PageRequest } from './paging';

/** A saved pipeline: its name and what its latest version says about it. */
export interface PipelineSummary {
  name: string;
  title: string | null;
  description: string | null;
  latestVersion: number;
  createdAt: string;
  updatedAt: string;
}

/** Pipelines by name. Versions (store/versions.ts) create them; this module lists and deletes. */
export interface PipelineStore {
  /** By name, a page at a time. */
  list(page: PageRequest): Promise<Page<PipelineSummary>>;
  get(name: string): Promise<PipelineSummary | undefined>;
  /**
   * Deletes the pipeline, its versions and labels; its runs and deployment history stay, and each label it had is
   * recorded there as removed (to null, by `by`), so the history still says where every label is. False when there was none.
   */
  delete(name: string, by?: string): Promise<boolean>;
}

const toSummary = (r: Database['pipelines']): PipelineSummary => ({
  name: r.name,
  title: r.title,
  description: r.description,
  latestVersion: r.latest_version,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

export class KyselyPipelineStore implements PipelineStore {
  constructor(private readonly db: StoreDb) {}

  async list({ limit, cursor }: PageRequest) {
    let q = this.db.selectFrom('pipelines').selectAll();
    if (cursor !== undefined) q = q.where('name', '>', decodeCursor<[string]>(cursor, ['string'])[0]);
    return toPage(await q.orderBy('name').limit(limit + 1).execute(), limit, (r) => [r.name], toSummary);
  }

  async get(name: string) {
    const row = await this.db.selectFrom('pipelines').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toSummary(row) : undefined;
  }

  async delete(name: string, by = 'admin') {
    return this.db.transaction().execute(async (tx) => {
      // Its row first, as a label move holds it (FOR SHARE) before its label's: a move under way ends before the
      // labels are read, so the label it set is in the history's removals, and the two never wait on each other.
      await forUpdate(tx, tx.selectFrom('pipelines').select('name').where('name', '=', name)).execute();
      const labels = await forUpdate(tx, tx.selectFrom('labels').select(['label', 'version']).where('pipeline', '=', name).orderBy('label')).execute();
      // the labels go with it (ON DELETE CASCADE)
      const result = await tx.deleteFrom('pipelines').where('name', '=', name).executeTakeFirst();
      if (result.numDeletedRows === 0n) return false;
      const at = Date.now(); // once its labels are locked, as a label move stamps itself
      for (const { label, version } of labels) await appendDeployment(tx, { pipeline: name, label, from: version, to: null, at, by, note: 'the pipeline was deleted' });
      // Its monitors and alert rules go with it: emptied (not dropped), so every server's sync of them clears its own.
      await tx.updateTable('monitoring_config').set({ config: '[]', updated_at: at }).where('pipeline', '=', name).execute();
      return true;
    });
  }
}
