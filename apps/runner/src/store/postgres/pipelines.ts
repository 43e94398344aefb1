import type { Kysely } from 'kysely';
import type { PipelineStore, PipelineSummary } from '../pipelines';
import type { Database } from './schema';

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

  async list() {
    return (await this.db.selectFrom('pipelines').selectAll().orderBy('name').execute()).map(toSummary);
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
