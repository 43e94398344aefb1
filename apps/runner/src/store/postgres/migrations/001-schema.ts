import { sql } from 'kysely';
import type { PostgresMigration } from './migration';

/**
 * Every table the SQLite migrations 001–020 add up to, in one step (a
 * PostgreSQL store starts fresh; there is no older PostgreSQL layout to carry).
 * Times are BIGINT epoch ms; JSON is TEXT; `seq` stands in for SQLite's rowid.
 */
export const schema: PostgresMigration = {
  id: '001-schema',
  async up(db) {
    await sql`
      CREATE TABLE pipelines (
        name TEXT PRIMARY KEY, title TEXT, description TEXT,
        latest_version INTEGER NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
      );
      CREATE TABLE versions (
        pipeline TEXT NOT NULL REFERENCES pipelines(name) ON DELETE CASCADE,
        number INTEGER NOT NULL, parent INTEGER, message TEXT NOT NULL DEFAULT '',
        created_at BIGINT NOT NULL, content_hash TEXT NOT NULL, behavior_hash TEXT NOT NULL,
        document TEXT NOT NULL, problems TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (pipeline, number)
      );
      CREATE INDEX versions_behavior_hash ON versions(behavior_hash);

      CREATE TABLE runs (
        seq BIGSERIAL UNIQUE, id TEXT PRIMARY KEY, pipeline TEXT, version INTEGER, document TEXT,
        inputs TEXT NOT NULL, outputs TEXT, status TEXT NOT NULL, error TEXT, failed_node TEXT,
        started_at BIGINT NOT NULL, duration_ms DOUBLE PRECISION, events TEXT, owner TEXT,
        source TEXT NOT NULL DEFAULT 'api', label TEXT, key_name TEXT,
        resolved TEXT, from_run TEXT, from_node TEXT
      );
      CREATE INDEX runs_pipeline_started ON runs(pipeline, started_at DESC);
      CREATE INDEX runs_started ON runs(started_at DESC);
      CREATE INDEX runs_status ON runs(status) WHERE status = 'running';
      CREATE INDEX runs_source_started ON runs(source, started_at DESC);
      CREATE INDEX runs_label_started ON runs(pipeline, label, started_at DESC) WHERE label IS NOT NULL;

      CREATE TABLE run_nodes (
        seq BIGSERIAL, run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, node_id TEXT NOT NULL,
        type TEXT NOT NULL, status TEXT NOT NULL, started_at BIGINT, duration_ms DOUBLE PRECISION,
        attempts INTEGER NOT NULL DEFAULT 0, error TEXT, model TEXT, prompt_tokens INTEGER,
        completion_tokens INTEGER, cost_usd DOUBLE PRECISION, trace TEXT NOT NULL,
        PRIMARY KEY (run_id, node_id)
      );

      CREATE TABLE datasets (
        seq BIGSERIAL, name TEXT NOT NULL, hash TEXT NOT NULL, created_at BIGINT NOT NULL,
        uploaded_at BIGINT NOT NULL DEFAULT 0, case_count INTEGER NOT NULL DEFAULT 0, cases TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (name, hash)
      );
      CREATE INDEX datasets_latest ON datasets(name, uploaded_at DESC);

      CREATE TABLE eval_results (
        seq BIGSERIAL, id TEXT PRIMARY KEY, pipeline TEXT, created_at BIGINT NOT NULL, version INTEGER,
        dataset TEXT, dataset_hash TEXT, dataset_cases INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'running', total INTEGER NOT NULL DEFAULT 0, baseline TEXT,
        spec TEXT NOT NULL DEFAULT '{}', head TEXT, error TEXT, finished_at BIGINT, owner TEXT
      );
      CREATE INDEX eval_results_pipeline ON eval_results(pipeline, created_at DESC);
      CREATE INDEX eval_results_running ON eval_results(status) WHERE status = 'running';
      CREATE TABLE eval_cases (
        seq BIGSERIAL, eval_id TEXT NOT NULL REFERENCES eval_results(id) ON DELETE CASCADE,
        case_id TEXT NOT NULL, repeat INTEGER NOT NULL, position INTEGER NOT NULL,
        status TEXT NOT NULL, record TEXT NOT NULL,
        PRIMARY KEY (eval_id, case_id, repeat)
      );
      CREATE INDEX eval_cases_order ON eval_cases(eval_id, position, repeat);

      CREATE TABLE labels (
        pipeline TEXT NOT NULL REFERENCES pipelines(name) ON DELETE CASCADE, label TEXT NOT NULL,
        version INTEGER NOT NULL, moved_at BIGINT NOT NULL, PRIMARY KEY (pipeline, label)
      );
      CREATE TABLE deployments (
        seq BIGSERIAL PRIMARY KEY, pipeline TEXT NOT NULL, label TEXT NOT NULL,
        from_version INTEGER, to_version INTEGER, at BIGINT NOT NULL, by TEXT NOT NULL,
        note TEXT, eval_id TEXT, forced INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX deployments_pipeline ON deployments(pipeline, seq DESC);
      CREATE FUNCTION deployments_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the deployment history is append-only'; END $$;
      CREATE TRIGGER deployments_append_only BEFORE UPDATE OR DELETE ON deployments
        FOR EACH ROW EXECUTE FUNCTION deployments_append_only();

      CREATE TABLE serving_keys (
        name TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, pipelines TEXT,
        created_at BIGINT NOT NULL, last_used_at BIGINT
      );

      CREATE TABLE promotions (
        id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, label TEXT NOT NULL, version INTEGER NOT NULL,
        status TEXT NOT NULL, outcome TEXT, events TEXT, created_at BIGINT NOT NULL, finished_at BIGINT
      );
      CREATE INDEX promotions_pipeline ON promotions(pipeline, created_at DESC);

      CREATE TABLE metric_rollups (
        resolution INTEGER NOT NULL, bucket BIGINT NOT NULL, pipeline TEXT NOT NULL, dimension TEXT NOT NULL,
        version INTEGER NOT NULL, label TEXT NOT NULL, source TEXT NOT NULL, key TEXT NOT NULL,
        node_type TEXT NOT NULL DEFAULT '', runs BIGINT NOT NULL, errors BIGINT NOT NULL,
        tokens_in BIGINT NOT NULL, tokens_out BIGINT NOT NULL, cost_usd DOUBLE PRECISION NOT NULL, sketch BYTEA NOT NULL,
        PRIMARY KEY (resolution, pipeline, dimension, bucket, version, label, source, key)
      );

      CREATE TABLE monitoring_config (
        pipeline TEXT NOT NULL, kind TEXT NOT NULL, config TEXT NOT NULL, updated_at BIGINT NOT NULL,
        PRIMARY KEY (pipeline, kind)
      );
      CREATE TABLE monitor_scores (
        run_id TEXT NOT NULL, monitor TEXT NOT NULL, pipeline TEXT NOT NULL, version INTEGER, label TEXT,
        score DOUBLE PRECISION NOT NULL, pass INTEGER NOT NULL, reason TEXT, at BIGINT NOT NULL,
        PRIMARY KEY (run_id, monitor)
      );
      CREATE INDEX monitor_scores_time ON monitor_scores(pipeline, monitor, at);
      CREATE TABLE alert_deliveries (
        id BIGSERIAL PRIMARY KEY, pipeline TEXT NOT NULL, rule TEXT NOT NULL, state TEXT NOT NULL,
        payload TEXT NOT NULL, webhook TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT, created_at BIGINT NOT NULL, delivered_at BIGINT
      );
      CREATE INDEX alert_deliveries_pipeline ON alert_deliveries(pipeline, id DESC);

      CREATE TABLE suites (name TEXT PRIMARY KEY, suite TEXT NOT NULL, saved_at BIGINT NOT NULL);

      CREATE TABLE cache_chat (key TEXT PRIMARY KEY, model TEXT NOT NULL, result TEXT NOT NULL, created_at BIGINT NOT NULL);
      CREATE TABLE cache_vectors (key TEXT PRIMARY KEY, vector BYTEA NOT NULL, created_at BIGINT NOT NULL);
    `.execute(db);
  },
};
