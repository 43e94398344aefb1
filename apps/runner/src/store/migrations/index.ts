import type { Migration } from './migration';
import { initial } from './001-initial';

export type { Migration } from './migration';

/**
 * Every migration the runner applies, in any order (they sort by id). A store
 * module added later (datasets, eval results) puts its file next to these,
 * e.g. `002-evals.ts`, and appends it here.
 */
export const migrations: Migration[] = [initial];
