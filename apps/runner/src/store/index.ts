import path from 'node:path';
import { openDatabase, pendingMigrations, RUNNER_DB_FILE, type SqliteDatabase } from './db';
import { StoreNeedsMigratingError } from './store-needs-migrating';
import { openSqliteForReading } from './sqlite-read-only';
import { KyselyPipelineStore, type PipelineStore } from './pipelines';
import { KyselyRunStore, type RunStore } from './runs';
import { KyselyVersionStore, type VersionStore } from './versions';
import { KyselyDatasetStore, type DatasetStore } from './datasets';
import { KyselyEvalStore, type EvalStore } from './evals';
import { KyselyRollupStore, type RollupStore } from './rollups';
import { migrations as builtInMigrations, type Migration } from './migrations/index';
import { datasetsAndEvals } from './migrations/002-datasets-evals';
import { runSource } from './migrations/003-run-source';
import { deployments } from './migrations/004-deployments';
import { servingKeys } from './migrations/005-serving-keys';
import { promotions } from './migrations/006-promotions';
import { KyselyPromotionStore, type PromotionStore } from './promotions';
import { KyselyKeyStore, type KeyStore } from './keys';
import { runComposition } from './migrations/006-run-composition';
import { runValues } from './migrations/021-run-values';
import { KyselyLabelStore, type LabelStore } from './labels';
import { KyselyDeploymentStore, type DeploymentStore } from './deployments';
import { metricRollups } from './migrations/010-metric-rollups';
import { monitors } from './migrations/011-monitors';
import { KyselyMonitorStore, type MonitorStore } from './monitors';
import { suites } from './migrations/020-suites';
import { artifacts } from './migrations/022-artifacts';
import { artifactRelease } from './migrations/023-artifact-release';
import { promotionOwner } from './migrations/024-promotion-owner';
import { promotionSoFar } from './migrations/025-promotion-so-far';
import { SERVED_TABLES, servedChanges } from './migrations/026-served-changes';
import { runDocuments } from './migrations/027-run-documents';
import { runsByStatus } from './migrations/028-runs-by-status';
import { runsByStatusAndSource } from './migrations/029-runs-by-status-and-source';
import { runsByVersion } from './migrations/030-runs-by-version';
import { KyselyArtifactStore, type ArtifactStore } from './artifacts';
import { KyselySuiteStore, type SuiteStore } from './suites';
import { sqliteKysely } from './sqlite-kysely';
import { SqliteChangeClock } from './sqlite-change-clock';
import type { ChangeClock } from './read-cache';
import type { StoreDb } from './dialect';
import { StorageHealth } from './storage-health';
import type { ResponseCache } from '@patchbay/core/node';
// Its own subpath: the whole of @patchbay/core/node is not loaded just to open the store.
import { WalCheckpointer } from '@patchbay/core/wal-checkpointer';
import { isPostgresUrl } from './store-url';
import { storeIdentity } from './store-identity';

export type { PipelineStore, PipelineSummary } from './pipelines';
export type { VersionStore, VersionRecord, VersionSummary, NewVersion, SaveResult, StoredProblem } from './versions';
export type { RunStore, RunRecord, RunInputsAndOutputs, RunSummary, RunStart, RunFinish, RunSource, RunQuery } from './runs';
export { RUN_SOURCES } from './runs';
export type { Migration } from './migrations/index';
export { StorageFailure, StorageHealth, asStorageFailure, type StorageState } from './storage-health';
export { MAX_PAGE_LIMIT, InvalidCursorError, type Page, type PageRequest } from './paging';
export { openDatabase, migrate, RUNNER_DB_FILE, type SqliteDatabase } from './db';
export { StoreNeedsMigratingError } from './store-needs-migrating';
export { KyselyPipelineStore } from './pipelines';
export { KyselyVersionStore } from './versions';
export { KyselyRunStore } from './runs';
export type { DatasetStore, DatasetVersion, DatasetRecord, DatasetSummary } from './datasets';
export type { EvalStore, EvalStatus, EvalSpec, EvalDatasetRef, NewEval, StoredEval } from './evals';
export { KyselyDatasetStore } from './datasets';
export { KyselyEvalStore } from './evals';
export type { LabelStore, LabelState, LabelMove } from './labels';
export type { DeploymentStore, Deployment } from './deployments';
export { KyselyLabelStore, LabelMovedError, LabelTargetGoneError, VersionReplacedError } from './labels';
export { KyselyDeploymentStore } from './deployments';
export type { RollupStore, RollupCell } from './rollups';
export { KyselyRollupStore } from './rollups';
export type { KeyStore, ServingKeyInfo, StoredKeyHash } from './keys';
export { KyselyKeyStore } from './keys';
export type { MonitorStore, MonitorScore, AlertDelivery } from './monitors';
export { KyselyMonitorStore } from './monitors';
export type { PromotionStore, StoredPromotion, PromotionStatus } from './promotions';
export { KyselyPromotionStore } from './promotions';
export type { SuiteStore, StoredSuite, StoredSuiteBody } from './suites';
export { KyselySuiteStore } from './suites';
export type { ArtifactStore, ArtifactKind, ArtifactName } from './artifacts';
export { KyselyArtifactStore, artifactHash } from './artifacts';
export { StoreUrlError, checkStoreUrl, isPostgresUrl } from './store-url';
export { isStoreUnavailable } from './store-unavailable';

/**
 * The runner's storage, one module per resource behind an async interface
 * (`store/<resource>.ts`), written once in Kysely for both databases: SQLite
 * in the data dir (better-sqlite3, sqlite-kysely.ts) and PostgreSQL
 * (`--store postgres://…`, pg, postgres/open.ts). What differs between them is
 * named in dialect.ts. A resource added later is one Kysely module, its tables
 * in schema.ts, and a migration in each list (migrations/, postgres/migrations/).
 */
export interface Store {
  kind: 'sqlite' | 'postgres';
  /** The SQLite file, or the PostgreSQL URL with its password masked (for logs). */
  location: string;
  pipelines: PipelineStore;
  versions: VersionStore;
  runs: RunStore;
  datasets: DatasetStore;
  evals: EvalStore;
  labels: LabelStore;
  deployments: DeploymentStore;
  /** Monitoring's per-minute and per-hour rollups. */
  rollups: RollupStore;
  keys: KeyStore;
  /** Monitors, alert rules, monitor scores and alert deliveries. */
  monitors: MonitorStore;
  promotions: PromotionStore;
  /** Eval suites saved by name (the editor's New eval form). */
  suites: SuiteStore;
  /** Immutable artifacts by content hash (indexes, workspace configs) that scaled-out workers fetch. */
  artifacts: ArtifactStore;
  /** Whether writes fail for want of storage (disk full), for `/healthz`. */
  health: StorageHealth;
  /** The same for every process on this store, different for another store (store-identity.ts). */
  identity(): Promise<string>;
  /**
   * The model response cache when it lives in the store (PostgreSQL: shared by
   * every server and worker, #16.5). Undefined for SQLite: the data dir's
   * `cache.sqlite` serves then.
   */
  responseCache?: ResponseCache;
  close(): Promise<void>;
}

/** The embedded default: one SQLite file in the data dir. */
export interface SqliteStore extends Store {
  kind: 'sqlite';
  /** The file the store lives in (`:memory:` for a throwaway store). */
  file: string;
  db: SqliteDatabase;
}

export interface OpenStoreOptions {
  /** Redacts secrets out of every JSON text written to the database. */
  redact?: (json: string) => string;
  onWriteError?: (error: Error, runId: string) => void;
  /** Extra migrations on top of the built-in ones. */
  migrations?: Migration[];
}

/**
 * The store a server, worker or CLI command works on: `target` is a
 * `postgres://` URL (`--store`, PATCHBAY_STORE: scaled out) or a data dir
 * (SQLite, the default). Both give the same Store. A bad URL throws
 * StoreUrlError; a database that cannot be reached throws StoreOpenError.
 * `readOnly`: migrated and written by nothing (StoreNeedsMigratingError when behind).
 */
export async function openStore(target: string, options: OpenStoreOptions & { log?: (line: string) => void; poolSize?: number; readOnly?: boolean } = {}): Promise<Store> {
  if (!isPostgresUrl(target)) return options.readOnly ? openSqliteStoreForReading(target, options) : openSqliteStore(target, options);
  const { openPostgresStore } = await import('./postgres/open');
  return openPostgresStore(target, options);
}

/**
 * Every store module on a Kysely of either database: one query code, what
 * differs between SQLite and PostgreSQL named in dialect.ts. `clock` tells when
 * pipelines, versions and labels may have changed, so the serving path's
 * lookups of them are cached (read-cache.ts); without one they are not.
 */
export function kyselyStores(db: StoreDb, options: OpenStoreOptions, health: StorageHealth, clock?: ChangeClock) {
  return {
    pipelines: new KyselyPipelineStore(db),
    versions: new KyselyVersionStore(db, clock),
    runs: new KyselyRunStore(db, { redact: options.redact, onWriteError: options.onWriteError, health }),
    datasets: new KyselyDatasetStore(db),
    evals: new KyselyEvalStore(db, options.redact),
    labels: new KyselyLabelStore(db, clock),
    deployments: new KyselyDeploymentStore(db),
    keys: new KyselyKeyStore(db),
    monitors: new KyselyMonitorStore(db),
    promotions: new KyselyPromotionStore(db),
    rollups: new KyselyRollupStore(db),
    suites: new KyselySuiteStore(db),
    artifacts: new KyselyArtifactStore(db),
    identity: () => storeIdentity(db),
  };
}

// The datasets and evals tables come with their store modules (not the built-in list, which stays the runner's own).
const sqliteMigrations = (options: OpenStoreOptions): Migration[] => [...builtInMigrations, datasetsAndEvals, runSource, deployments, metricRollups, servingKeys, promotions, monitors, runComposition, suites, runValues, artifacts, artifactRelease, promotionOwner, promotionSoFar, servedChanges, runDocuments, runsByStatus, runsByStatusAndSource, runsByVersion, ...(options.migrations ?? [])];

export function openSqliteStore(dataDir: string, options: OpenStoreOptions = {}): SqliteStore {
  const file = dataDir === ':memory:' ? ':memory:' : path.join(dataDir, RUNNER_DB_FILE);
  const db = openDatabase(file, sqliteMigrations(options));
  const health = new StorageHealth();
  // WAL checkpoints (each syncs the files to disk) run on a worker thread, not inside the commits of
  // this thread: on a busy disk they held every request in flight for milliseconds at a time.
  const checkpointer = file === ':memory:' ? undefined : new WalCheckpointer(db);
  const committed = (rows: number) => checkpointer?.committed(rows);
  const clock = new SqliteChangeClock(db, SERVED_TABLES);
  const stores = kyselyStores(sqliteKysely(db, committed, clock), options, health, clock);
  return {
    ...stores,
    health,
    kind: 'sqlite',
    location: file,
    file,
    db,
    async close() {
      // Monitor scores are samples: a close does not fail for want of writing them.
      await stores.monitors.flush().catch(() => {});
      await stores.runs.flush();
      checkpointer?.close();
      if (db.open) {
        // Fold the WAL back into the main file so a stopped runner leaves one clean file.
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      }
    },
  };
}

/**
 * The runner store of a data dir for a command that only reads it (`patchbay keys list`, a stored
 * pipeline a file calls): nothing is migrated, checkpointed or written, so it works in a data dir this
 * process may not write. A store an earlier version wrote throws StoreNeedsMigratingError; any
 * write throws SQLite's SQLITE_READONLY.
 */
export function openSqliteStoreForReading(dataDir: string, options: OpenStoreOptions = {}): SqliteStore {
  const file = path.join(dataDir, RUNNER_DB_FILE);
  const opened = openSqliteForReading(file);
  const pending = pendingMigrations(opened.db, sqliteMigrations(options));
  if (pending.length > 0) {
    opened.close();
    throw new StoreNeedsMigratingError(file, pending, `--data ${dataDir}`);
  }
  const health = new StorageHealth();
  const clock = new SqliteChangeClock(opened.db, SERVED_TABLES);
  const stores = kyselyStores(sqliteKysely(opened.db, undefined, clock), options, health, clock);
  return {
    ...stores,
    health,
    kind: 'sqlite',
    location: file,
    file,
    db: opened.db,
    async close() {
      opened.close();
    },
  };
}
