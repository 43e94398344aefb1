import type { RunStatus } from '@patchbay/core';
import type { Generated } from 'kysely';
import type { RunSource } from './runs';

/**
 * The runner's tables as the store's one query code (Kysely) sees them on
 * both databases: the SQLite migrations (store/migrations) and the PostgreSQL
 * ones (store/postgres/migrations) create the same tables and columns. Times
 * are epoch ms (BIGINT on PostgreSQL, parsed to numbers, see postgres/pool.ts),
 * JSON is TEXT (the redactor works on the text, and a document keeps its key
 * order). Where SQLite orders by rowid PostgreSQL has a `seq` column; queries
 * reach either through dialect.ts's insertOrder, so it is not typed here
 * (deployments and alert deliveries have their own on both).
 */
export interface Database {
  schema_migrations: { id: string; applied_at: number };
  pipelines: { name: string; title: string | null; description: string | null; latest_version: number; created_at: number; updated_at: number };
  versions: {
    pipeline: string;
    number: number;
    parent: number | null;
    message: string;
    created_at: number;
    content_hash: string;
    behavior_hash: string;
    document: string;
    problems: string;
  };
  runs: {
    id: string;
    pipeline: string | null;
    version: number | null;
    /** The document's text in the run's own row: runs written before run_documents (027) only. */
    document: string | null;
    /** The run's inline document, in run_documents (see run-documents.ts). */
    document_hash: string | null;
    inputs: string;
    outputs: string | null;
    status: RunStatus;
    error: string | null;
    failed_node: string | null;
    started_at: number;
    duration_ms: number | null;
    events: string | null;
    owner: string | null;
    source: RunSource;
    label: string | null;
    key_name: string | null;
    resolved: string | null;
    from_run: string | null;
    from_node: string | null;
  };
  run_documents: {
    hash: string;
    document: string;
  };
  run_values: {
    run_id: string;
    hash: string;
    value: string;
  };
  run_nodes: {
    run_id: string;
    node_id: string;
    type: string;
    status: string;
    started_at: number | null;
    duration_ms: number | null;
    attempts: number;
    error: string | null;
    model: string | null;
    prompt_tokens: number | null;
    completion_tokens: number | null;
    cost_usd: number | null;
    trace: string;
  };
  datasets: { name: string; hash: string; created_at: number; uploaded_at: number; case_count: number; cases: string };
  eval_results: {
    id: string;
    pipeline: string | null;
    created_at: number;
    version: number | null;
    dataset: string | null;
    dataset_hash: string | null;
    dataset_cases: number;
    status: string;
    total: number;
    baseline: string | null;
    spec: string;
    head: string | null;
    error: string | null;
    finished_at: number | null;
    owner: string | null;
  };
  eval_cases: { eval_id: string; case_id: string; repeat: number; position: number; status: string; record: string };
  labels: { pipeline: string; label: string; version: number; moved_at: number };
  deployments: {
    seq: Generated<number>;
    pipeline: string;
    label: string;
    from_version: number | null;
    to_version: number | null;
    at: number;
    by: string;
    note: string | null;
    eval_id: string | null;
    forced: number;
  };
  serving_keys: { name: string; hash: string; pipelines: string | null; created_at: number; last_used_at: number | null };
  promotions: {
    id: string;
    pipeline: string;
    label: string;
    version: number;
    status: string;
    outcome: string | null;
    events: string | null;
    created_at: number;
    finished_at: number | null;
    owner: string | null;
    so_far: string | null;
  };
  metric_rollups: {
    resolution: number;
    bucket: number;
    pipeline: string;
    dimension: string;
    version: number;
    label: string;
    source: string;
    key: string;
    node_type: string;
    runs: number;
    errors: number;
    tokens_in: number;
    tokens_out: number;
    cost_usd: number;
    sketch: Buffer;
  };
  monitoring_config: { pipeline: string; kind: string; config: string; updated_at: number };
  monitor_scores: {
    run_id: string;
    monitor: string;
    pipeline: string;
    version: number | null;
    label: string | null;
    score: number;
    pass: number;
    reason: string | null;
    at: number;
  };
  alert_deliveries: {
    id: Generated<number>;
    pipeline: string;
    rule: string;
    state: string;
    payload: string;
    webhook: string;
    status: string;
    attempts: Generated<number>;
    last_error: string | null;
    created_at: number;
    delivered_at: number | null;
  };
  suites: { name: string; suite: string; saved_at: number };
  /** The response cache when scaled out (#16.5): what `cache.sqlite` holds in a data dir. */
  cache_chat: { key: string; model: string; result: string; created_at: number };
  cache_vectors: { key: string; vector: Buffer; created_at: number };
  /** Immutable artifacts by SHA-256 of their bytes, and the names pointing at them (#16.5, store/artifacts.ts). */
  artifacts: { hash: string; kind: string; size: number; bytes: Buffer; created_at: number; released_at: number | null };
  artifact_names: { kind: string; name: string; hash: string; updated_at: number };
}
