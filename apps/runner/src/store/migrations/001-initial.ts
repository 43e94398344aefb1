import type { Migration } from './migration';

/** Pipelines, their immutable versions, runs with one row per node trace; empty tables for datasets and eval results. */
export const initial: Migration = {
  id: '001-initial',
  up(db) {
    db.exec(`
      CREATE TABLE pipelines (
        name TEXT PRIMARY KEY,
        title TEXT,
        description TEXT,
        latest_version INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE versions (
        pipeline TEXT NOT NULL REFERENCES pipelines(name) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        parent INTEGER,
        message TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        behavior_hash TEXT NOT NULL,
        document TEXT NOT NULL,
        problems TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (pipeline, number)
      );
      CREATE INDEX versions_behavior_hash ON versions(behavior_hash);

      -- A run keeps its pipeline name and version, or the inline document it ran.
      -- No foreign key to versions: deleting a pipeline keeps its run history.
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        pipeline TEXT,
        version INTEGER,
        document TEXT,
        inputs TEXT NOT NULL,
        outputs TEXT,
        status TEXT NOT NULL,
        error TEXT,
        failed_node TEXT,
        started_at INTEGER NOT NULL,
        duration_ms REAL,
        events TEXT,
        owner TEXT
      );
      CREATE INDEX runs_pipeline_started ON runs(pipeline, started_at DESC);
      CREATE INDEX runs_started ON runs(started_at DESC);
      CREATE INDEX runs_status ON runs(status) WHERE status = 'running';

      CREATE TABLE run_nodes (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        node_id TEXT NOT NULL,
        type TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at INTEGER,
        duration_ms REAL,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        model TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        cost_usd REAL,
        trace TEXT NOT NULL,
        PRIMARY KEY (run_id, node_id)
      );

      -- Room for the evals issue; its store modules add their columns in later migrations.
      CREATE TABLE datasets (
        name TEXT NOT NULL,
        hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (name, hash)
      );
      CREATE TABLE eval_results (
        id TEXT PRIMARY KEY,
        pipeline TEXT,
        created_at INTEGER NOT NULL
      );
    `);
  },
};
