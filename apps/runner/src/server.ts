import net from 'node:net';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { configSecrets, createServices, listProviders, maxOutputBytes, configSecretVariables, modelUnavailable, resolveDataDir, urlCredentials, warmModelThread } from '@patchbay/core/node';
import { createApp, type AppOptions } from './app';
import { Redactor, secretEnvNames } from './http/secrets';
import type { RouteModule } from './routes/index';
import { EvalManager } from './evals/eval-manager';
import { InProcessJobRegistry } from './jobs/in-process-registry';
import { QueueUnavailableError, type JobRegistry } from './jobs/job-registry';
import { ReachProbe } from './reach-probe';
import { storeResolverOf } from './pipelines/pipeline-resolver';
import { isOwnerAlive, PROCESS_OWNER, RunManager } from './runs/run-manager';
import { checkStoreUrl, openSqliteStore, openStore, type Migration, type Store } from './store/index';
import { Monitoring } from './monitoring/monitoring';
import { scaleOut, type ScaleOut, type ScaleOutOptions } from './queue/scale-out';
import type { FinishedRunFacts } from './monitoring/run-facts';
import { KeyRevocations } from './deploy/key-revocations';
import type { HostResolver } from './monitoring/webhook-address';
import { answerClientErrors } from './http/client-errors';
import { FinishedRunFeed } from './monitoring/finished-run-feed';
import { SharedAlertWindows } from './monitoring/shared-alert-windows';
import { WorkspacePublisher } from './workspace/workspace-publisher';
import { WorkspaceResolver, type ResolvedWorkspace } from './workspace/workspace-resolver';
import { SharedIndexes } from './workspace/shared-indexes';
import { oldKeywordIndexesNote } from './workspace/old-keyword-indexes-note';
import { artifactCacheHome } from './workspace/artifact-cache-home';
import type { WorkspacePins } from './workspace/workspace-pins';
import { localPins } from './workspace/workspace-key';
import type { PipelineDocument } from '@patchbay/core';

export interface ServerOptions {
  /** Default 8787; 0 picks a free port (tests). */
  port?: number;
  /** Default 127.0.0.1. Any other interface needs a token. */
  host?: string;
  /** Default: `PATCHBAY_DATA`, else ./.patchbay. */
  dataDir?: string;
  /**
   * A `postgres://` URL: the store (and the response cache) live in PostgreSQL
   * instead of the data dir's SQLite files (`--store`; default `PATCHBAY_STORE` from `env`).
   */
  store?: string;
  /** Workspace config; default `<dataDir>/patchbay.config.json` when present. */
  configPath?: string;
  /** Bearer token for /api; default `PATCHBAY_TOKEN` from `env`. */
  token?: string;
  bodyLimitBytes?: number;
  cors?: string[];
  /** Host names served besides loopback ones when bound to loopback with no token (`--allowed-host`). */
  allowedHosts?: string[];
  /** No log lines on stderr. */
  quiet?: boolean;
  /** Where log lines go instead of stderr (they are redacted first either way). */
  log?: (line: string) => void;
  /** Where secrets, provider keys and the token are read from; default process.env. */
  env?: NodeJS.ProcessEnv;
  editorDist?: AppOptions['editorDist'];
  routes?: RouteModule[];
  migrations?: Migration[];
  /** Waits between alert webhook attempts; default 0, 0.5 s, 2 s, 8 s. */
  webhookBackoffMs?: number[];
  /** How alert webhooks' host names are resolved; default the system's (tests answer as DNS would). */
  webhookResolve?: HostResolver;
  /** With a shared store (`--store`): how often monitors and alert rules saved through another server are read; default 5 s. */
  monitoringSyncMs?: number;
  /** Scaled out (`--queue redis://…`): runs and eval cases go through BullMQ; `work` takes them here too. */
  queue?: Omit<ScaleOutOptions, 'log'>;
}

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  dataDir: string;
  app: OpenAPIHono;
  store: Store;
  /** Every live run and eval (and any other job kind a route module defines). */
  jobs: JobRegistry;
  runs: RunManager;
  evals: EvalManager;
  monitoring: Monitoring;
  /** The server's log: secrets are masked before a line reaches stderr (or the `log` option). */
  log(line: string): void;
  /** Stops accepting, cancels live runs (recorded `cancelled`), closes the database. Safe to call twice. */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice(7) : bare;
  return net.isIPv4(v4) && v4.startsWith('127.');
}

/** Starts the runner: store (migrated; runs of a dead process marked interrupted), services, engine, HTTP. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  const token = options.token ?? (env.PATCHBAY_TOKEN || undefined);
  if (!isLoopbackHost(host) && !token) {
    throw new Error(`refusing to listen on ${host} without a token: set PATCHBAY_TOKEN (clients then send "Authorization: Bearer <token>") or bind 127.0.0.1`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port must be an integer from 0 to 65535, got ${port}`);

  const dataDir = path.resolve(options.dataDir ?? resolveDataDir({ env }));
  const storeUrl = options.store ?? (env.PATCHBAY_STORE || undefined);
  if (storeUrl) checkStoreUrl(storeUrl);
  // The store's writes are redacted by the redactor made below (it needs the services' providers).
  let redact = (json: string) => json;
  let log: (line: string) => void = (line) => void process.stderr.write(`${line}\n`);
  const storeOptions = {
    redact: (json: string) => redact(json),
    migrations: options.migrations,
    onWriteError: (err: Error, runId: string) => log(`could not record run ${runId}: ${err.message}`),
    log: (line: string) => log(line),
  };
  // PostgreSQL first, so the services share its response cache; SQLite after the services, as a bad config then leaves no file behind.
  const shared = storeUrl ? await openStore(storeUrl, storeOptions) : undefined;
  const services = await createServices({ dataDir, configPath: options.configPath, env, redact: (json) => redact(json), responseCache: shared?.responseCache }).catch(async (err) => {
    await shared?.close();
    throw err;
  });
  const providers = () => listProviders(services.config, env);
  const keyVariables = [...providers().flatMap((p) => (p.keyVariable ? [p.keyVariable] : [])), ...configSecretVariables(services.config)];
  // The store's and the queue's URLs may come as flags, not variables: their passwords are secrets as PATCHBAY_STORE's are.
  const given = [...(storeUrl ? urlCredentials('the credential in the store URL', storeUrl) : []), ...(options.queue ? urlCredentials('the credential in the queue URL', options.queue.url) : [])];
  const redactor = Redactor.fromEnv(env, keyVariables, [...(token ? [token] : []), ...configSecrets(services.config, env), ...given]);
  redact = redactor.redact;
  const sink = options.log ?? (options.quiet ? () => {} : (line: string) => process.stderr.write(`${line}\n`));
  log = (line: string) => sink(redactor.redact(line));

  let store: Store;
  try {
    store = shared ?? openSqliteStore(dataDir, storeOptions);
  } catch (err) {
    await services.close();
    throw err;
  }
  if (services.retrieval.keywordIndexesOld) log(oldKeywordIndexesNote(dataDir));
  const interruptedEvals = await store.evals.interruptOrphans(isOwnerAlive);
  if (interruptedEvals > 0) log(`${interruptedEvals} eval(s) left running by a stopped runner are now "interrupted"`);
  const endedPromotions = await store.promotions.interruptOrphans(isOwnerAlive);
  if (endedPromotions > 0) log(`${endedPromotions} promotion(s) left running by a stopped runner are now "failed"`);

  // Pipeline and map nodes find stored pipelines (and labels) in this store: every run, eval and demo seed shares it.
  services.pipelines = storeResolverOf(store);
  const monitoring = await Monitoring.start({
    rollups: store.rollups,
    monitors: store.monitors,
    runs: store.runs,
    services,
    env,
    redact: redactor.redact,
    log,
    retentionDays: services.config.retention?.runsDays,
    webhookBackoffMs: options.webhookBackoffMs,
    webhookResolve: options.webhookResolve,
    // Other servers on this store save monitors and alert rules too: read what they saved.
    syncConfigsEveryMs: shared ? (options.monitoringSyncMs ?? 5_000) : undefined,
  });
  const metricsTokens = [token, env.PATCHBAY_METRICS_TOKEN].filter((t): t is string => Boolean(t));
  let scaled: ScaleOut | undefined;
  // Scaled out, the workspace config and the data dir's indexes are published to the store, and each job
  // is pinned to them when it is enqueued: workers (and this server's own work) run with what the store holds.
  let publisher: WorkspacePublisher | undefined;
  let resolver: WorkspaceResolver | undefined;
  let pin: ((document: PipelineDocument) => Promise<WorkspacePins>) | undefined;
  let workspaceFor: ((pins?: WorkspacePins) => Promise<ResolvedWorkspace>) | undefined;
  // Scaled out, index artifacts fetched from the store are cached in the data dir, or in a temp dir when it is read-only.
  const cacheHome = options.queue ? artifactCacheHome(dataDir) : { dir: dataDir, temporary: false };
  if (cacheHome.temporary) log(`the data dir ${dataDir} is read-only for this process: index artifacts from the store are kept in ${cacheHome.dir} until it stops`);
  const removeCacheHome = () => (cacheHome.temporary ? fs.rm(cacheHome.dir, { recursive: true, force: true }).catch(() => {}) : Promise.resolve());
  try {
    if (options.queue) {
      const secrets = [...secretEnvNames(env, keyVariables).map((name) => ({ name, value: env[name] ?? '' })), ...(token ? [{ name: 'PATCHBAY_TOKEN', value: token }] : [])];
      publisher = new WorkspacePublisher({ artifacts: store.artifacts, retrieval: services.retrieval, config: services.config, dataDir, secrets, log });
      await publisher.start();
      pin = publisher.pins.bind(publisher);
      if (options.queue.work) {
        const own = { hash: publisher.config, services };
        resolver = new WorkspaceResolver({ artifacts: store.artifacts, cacheDir: cacheHome.dir, env, redact: redactor.redact, responseCache: shared?.responseCache, pipelines: services.pipelines, log, own });
        workspaceFor = resolver.resolve.bind(resolver);
      }
    }
    scaled = options.queue ? await scaleOut({ ...options.queue, redact: redactor.redact, log }, { store, services, workspaceFor }) : undefined;
  } catch (err) {
    await monitoring.close();
    await resolver?.close();
    await services.close();
    await store.close();
    await removeCacheHome();
    throw err;
  }
  const jobs: JobRegistry = scaled?.jobs ?? new InProcessJobRegistry(log);
  // PATCHBAY_MONITORING=0 leaves finished runs unobserved (no rollups, counters, traces, monitors or alerts): bench/monitor's baseline.
  const observe = env.PATCHBAY_MONITORING === '0' ? undefined : (run: FinishedRunFacts) => monitoring.observeRun(run);
  // Runs finished on workers reach this server's monitoring through Redis (one server observes each).
  const feed =
    scaled && observe
      ? new FinishedRunFeed({ redis: scaled.jobs.redis, prefix: scaled.jobs.prefix, consumer: PROCESS_OWNER, runs: store.runs, versions: store.versions, observe, log })
      : undefined;
  // Servers behind a load balancer each observe a part of the runs: alert windows hold what all of them observe.
  const sharedAlerts =
    scaled && observe ? monitoring.shareAlertWindows((feed) => new SharedAlertWindows({ redis: scaled!.jobs.redis, prefix: scaled!.jobs.prefix, feed, log })) : undefined;
  // Reading from where the stream ends before the first run is observed here, so this server's own are read too.
  if (sharedAlerts) await Promise.race([sharedAlerts.ready, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  const runs = new RunManager({
    store: store.runs,
    services,
    jobs,
    observe,
    maxOutputBytes: maxOutputBytes(services.config),
    commitEachRun: scaled !== undefined,
    maskStream: redactor.active ? () => redactor.streamMasker() : undefined,
    pin,
    workspaceFor,
  });
  // Runs a stopped runner left `running` are interrupted; scaled out, not those whose jobs the queue still holds
  // (a restarted front door finds the rows its old process wrote: workers run them). Redis not answering: left alone.
  const stillQueued = scaled ? (id: string) => runs.isActive(id).catch(() => true) : undefined;
  const interrupted = await store.runs.interruptOrphans(isOwnerAlive, stillQueued);
  if (interrupted > 0) log(`${interrupted} run(s) left running by a stopped runner are now "interrupted"`);
  const evals = new EvalManager({
    evals: store.evals,
    runs: store.runs,
    services,
    jobs,
    log,
    observeCase: (pipeline, status) => monitoring.observeEvalCase(pipeline, status),
    caseQueue: scaled?.caseQueue,
    // Scaled out, what the store's published workspace pins a job to; else this data dir's config and indexes.
    workspacePins: publisher ? publisher.pins.bind(publisher) : (document, called) => localPins(services, document, called),
    queueReachable: scaled ? scaled.jobs.reachable.bind(scaled.jobs) : undefined,
  });
  // Every run and eval this server starts goes through the queue: /healthz says when its Redis does not answer.
  const queueReach = scaled ? new ReachProbe('the queue (Redis)', () => scaled!.jobs.reachable(), (err) => (err instanceof QueueUnavailableError ? err.detail : (err as Error).message)) : undefined;
  let stopping = false;
  // Scaled out, the index routes also list and search the indexes other servers published (fetched into the data dir's artifacts/).
  const sharedIndexes = publisher
    ? new SharedIndexes({ local: services.retrieval, artifacts: store.artifacts, cacheDir: path.join(cacheHome.dir, 'artifacts'), models: services.models, publish: (name) => publisher!.publishIndex(name), log })
    : undefined;
  const app = createApp(
    { store, jobs, queueReach, runs, evals, services, indexes: sharedIndexes ?? services.retrieval, providers, modelUnavailable: (model) => modelUnavailable(model, services.config, env), redactor, log, monitoring, metricsTokens, keyRevocations: new KeyRevocations(() => store.keys) },
    { token, bodyLimitBytes: options.bodyLimitBytes, cors: options.cors, originGuard: !token && isLoopbackHost(host) ? { allowedHosts: options.allowedHosts } : undefined, editorDist: options.editorDist, routes: options.routes, stopping: () => stopping },
  );

  const server = serve({ fetch: app.fetch, port, hostname: host });
  answerClientErrors(server as unknown as import('node:http').Server);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  } catch (err) {
    await feed?.close();
    await sharedAlerts?.close();
    await scaled?.close();
    sharedIndexes?.close();
    await resolver?.close();
    await services.close();
    await store.close();
    await removeCacheHome();
    throw new Error(`cannot listen on ${host}:${port}: ${listenFailure(err as NodeJS.ErrnoException)}`);
  }
  // The first served model call would load the model thread's modules (~0.7 s): they load now, on that thread.
  void warmModelThread(services.config, env);
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      stopping = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      await jobs.cancelAll();
      await feed?.close();
      await sharedAlerts?.close();
      await scaled?.close();
      await store.runs.flush();
      // Streams of cancelled runs have ended; whatever is left is a client holding a connection open.
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await stopped;
      await monitoring.close();
      sharedIndexes?.close();
      await resolver?.close();
      await services.close();
      await store.close();
      await removeCacheHome();
    })());

  return { url: `http://${urlHost}:${bound}`, port: bound, host, dataDir, app, store, jobs, runs, evals, monitoring, log, close };
}

/** Why the port could not be bound, and what to do about it (Node's own words otherwise). */
function listenFailure(err: NodeJS.ErrnoException): string {
  if (err.code === 'EADDRINUSE') return 'another process is listening there (a runner started before?): stop it, or pick another port with --port N (0 picks a free one)';
  return err.message;
}
