import type { Kysely } from 'kysely';
import type { PipelineStore, PipelineSummary } from '../pipelines';
import type { Database } from './schema';
import { decodeCursor, toPage, type PageRequest } from '../paging';

const toSummary = (r: Database['pipelines']): PipelineSummary => ({
  name: r.name,
  title: r.title,
  description: r.description,
  latestVersion: r.latest_version,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

export class PostgresPipelineStore implements PipelineStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list({ limit, cursor }: PageRequest) {
    let q = this.db.selectFrom('pipelines').selectAll();
    if (cursor !== undefined) q = q.where('name', '>', decodeCursor<[string]>(cursor, ['string'])[0]);
    return toPage(await q.orderBy('name').limit(limit + 1).execute(), limit, (r) => [r.name], toSummary);
  }

  async get(name: string) {
    const row = await this.db.selectFrom('pipelines').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toSummary(row) : undefined;
  }

  async delete(name: string) {
    const result = await this.db.deleteFrom('pipelines').where('name', '=', name).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
