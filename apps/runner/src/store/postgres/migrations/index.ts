import type { PostgresMigration } from './migration';
import { schema } from './001-schema';

export type { PostgresMigration } from './migration';

/** Every PostgreSQL migration, in any order (they sort by id). */
export const postgresMigrations: PostgresMigration[] = [schema];
