import type Database from 'better-sqlite3';

/** One versioned schema change. `id` sorts into the order migrations apply ("001-initial"). */
export interface Migration {
  id: string;
  up(db: Database.Database): void;
}
