import { QueueOfAnotherStoreError } from '../../queue/queue-owner';
import { loadWorkspaceConfig, resolveDataDir, WorkspaceConfigError } from '@patchbay/core/node';
import { UsageError, type Command } from '../command';
import { flagOrEnv, reasonAbout } from '../flag-or-env';
import { positiveInteger } from '../integer-flag';
import { DEFAULT_BODY_LIMIT_BYTES } from '../../app';
import { DEFAULT_HOST, DEFAULT_PORT, isLoopbackHost, startServer } from '../../server';
import { Redactor } from '../../http/secrets';
import { QueueUnavailableError } from '../../jobs/job-registry';
import { redactUrl } from '../../queue/redis-url';
import { QUEUE_HELP, QUEUE_OPTIONS, queueSettings } from '../queue-options';
import { StoreUrlError } from '../../store/store-url';
import { OtlpEndpointError, otlpTracesUrl } from '../../monitoring/otel-traces';
import { untilStopSignal } from '../stop-signals';


export const command: Command = {
  name: 'serve',
  summary: 'start the runner (API and editor)',
  usage: `Usage: patchbay serve [--port N] [--host H] [--data DIR] [--store postgres://…] [--config FILE] [--body-limit BYTES]
                      [--allowed-host H]... [--cors ORIGIN]... [--no-demo]
                      [--queue redis://HOST:PORT [--no-work] [--concurrency N] [--stalled-ms MS]]

Serves the editor at / and the HTTP API under /api (described at /api/docs),
then runs until SIGTERM or Ctrl-C, which cancel the runs still going and close
the database cleanly. A data dir that is missing or empty is first seeded with
the demo workspace (the support-assistant pipeline, its docs, orders and evals).

Options:
  --port N            port (env PORT; default ${DEFAULT_PORT}; 0 picks a free one)
  --host H            interface (env HOST; default ${DEFAULT_HOST}). Any non-loopback
                      host needs PATCHBAY_TOKEN set.
  --data DIR          data dir: runs, versions, indexes, cache (env PATCHBAY_DATA; default ./.patchbay)
  --store URL         keep pipelines, runs, evals, keys and the response cache in
                      PostgreSQL (postgres://user@host:5432/db; env PATCHBAY_STORE)
                      instead of SQLite in the data dir; see docs/scaling.md
  --config FILE       workspace config (default DIR/patchbay.config.json)
  --body-limit BYTES  largest request body (default ${DEFAULT_BODY_LIMIT_BYTES}, 5 MB)
  --allowed-host H    also serve Host H when bound to loopback with no token (repeatable)
  --cors ORIGIN       allow browser calls from ORIGIN (repeatable; env PATCHBAY_CORS,
                      comma-separated). No CORS by default.
  --no-demo           leave an empty data dir empty (env PATCHBAY_DEMO=0; no demo with --store)

Scaled out (docs/scaling.md): runs and eval cases go through a BullMQ queue that
"patchbay worker" processes take jobs from; without --queue everything runs here.
${QUEUE_HELP}
  --work              also take jobs off the queue in this process (the default with --queue)
  --no-work           a pure front door: take requests and enqueue, run nothing here
  --debug             show stack traces
  -h, --help          show this help

Environment:
  PATCHBAY_TOKEN      when set, every /api request needs "Authorization: Bearer <token>"
  <PROVIDER>_API_KEY  provider keys (never shown by the API, logs or database)`,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    data: { type: 'string' },
    store: { type: 'string' },
    config: { type: 'string' },
    'body-limit': { type: 'string' },
    cors: { type: 'string', multiple: true },
    'allowed-host': { type: 'string', multiple: true },
    'no-demo': { type: 'boolean' },
    ...QUEUE_OPTIONS,
    work: { type: 'boolean' },
    'no-work': { type: 'boolean' },
  },
  positionals: [0, 0],
  async run({ values }, io) {
    const portText = values.port ?? io.env.PORT;
    // Named as given, as PATCHBAY_CORS is: a user who never typed --port looks for it in vain.
    const port = portText === undefined || portText === '' ? DEFAULT_PORT : positiveInteger(portText, values.port !== undefined ? '--port' : 'PORT', 0, 65535);
    const host = values.host ?? (io.env.HOST || DEFAULT_HOST);
    if (!isLoopbackHost(host) && !io.env.PATCHBAY_TOKEN) {
      throw new UsageError(`refusing to listen on ${host} without PATCHBAY_TOKEN; set it (clients send "Authorization: Bearer <token>") or use --host 127.0.0.1`);
    }
    const bodyLimitBytes = values['body-limit'] === undefined ? undefined : positiveInteger(values['body-limit'], '--body-limit', 1024, 1024 ** 3);
    const queue = queueSettings(values, io.env);
    if (values.work && values['no-work']) throw new UsageError('--work and --no-work contradict each other; give one');
    if (!queue && (values.work || values['no-work'])) throw new UsageError('--work and --no-work go with --queue redis://…');
    const cors = (values.cors as string[] | undefined) ?? (io.env.PATCHBAY_CORS ? io.env.PATCHBAY_CORS.split(',').map((o) => o.trim()).filter(Boolean) : undefined);
    for (const origin of cors ?? []) checkOrigin(origin, values.cors ? '--cors' : 'PATCHBAY_CORS');
    for (const name of (values['allowed-host'] as string[] | undefined) ?? []) checkHostName(name);

    const storeSetting = flagOrEnv(values.store, io.env, '--store', 'PATCHBAY_STORE');
    const store = storeSetting?.text;
    // The demo seeds a SQLite data dir; a PostgreSQL store starts empty.
    if (values['no-demo'] !== true && io.env.PATCHBAY_DEMO !== '0' && !store) {
      const dataDir = resolveDataDir({ flag: values.data, env: io.env, cwd: io.cwd });
      // What the server would refuse is refused before the demo writes anything (no data dir left behind).
      try {
        if (values.config !== undefined) loadWorkspaceConfig({ dataDir, configPath: values.config });
        otlpTracesUrl(io.env);
      } catch (err) {
        if (err instanceof WorkspaceConfigError || err instanceof OtlpEndpointError) throw new UsageError(err.message);
        throw err;
      }
      // Loaded only here: the demo pulls in the eval runner, which serving alone never needs.
      const { seedDemo } = await import('../../demo/seed-demo');
      const outcome = await seedDemo(dataDir, { env: io.env }).catch((err: Error) => {
        // Before the server (and its redacting log) exists: mask secrets of the environment here.
        const { redact } = Redactor.fromEnv(io.env, [], io.env.PATCHBAY_TOKEN ? [io.env.PATCHBAY_TOKEN] : []);
        io.stderr.write(redact(`could not seed the demo workspace: ${err.message.split('\n')[0]}\n`));
        return null;
      });
      if (outcome?.seeded) io.stdout.write(`Seeded the demo workspace into ${outcome.dataDir}\n`);
    }

    let server;
    try {
      server = await startServer({ port, host, dataDir: values.data, store, configPath: values.config, bodyLimitBytes, cors, allowedHosts: values['allowed-host'] as string[] | undefined, env: io.env, ...(queue ? { queue: { ...queue, work: values['no-work'] !== true } } : {}) });
    } catch (err) {
      if (err instanceof StoreUrlError && storeSetting) throw new UsageError(reasonAbout(storeSetting, '--store', err.message));
      if (err instanceof WorkspaceConfigError || err instanceof StoreUrlError || err instanceof OtlpEndpointError) throw new UsageError(err.message);
      if (err instanceof QueueOfAnotherStoreError) throw new UsageError(err.message);
      if (err instanceof QueueUnavailableError && queue) throw new Error(`cannot reach the queue at ${redactUrl(queue.url)}: ${err.detail}`);
      throw err;
    }
    // Listening for SIGTERM before saying it is ready: a supervisor may stop it the moment it reads the line.
    const stopped = untilStopSignal(io.stderr, 'stopping (cancelling live runs)', () => server.close(), (err) => server.log(`error while stopping: ${(err as Error).message}`));
    io.stdout.write(`Patchbay listening on ${server.url}\n`);
    // A stray rejection in one request must not take every live run down with the process; it is logged instead.
    const onStray = (reason: unknown) => server.log(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
    process.on('unhandledRejection', onStray);

    await stopped;
    return 0;
  },
};

/** A Host header's name (with a port or not), as the origin guard compares it: a URL or a path there would never match. */
function checkHostName(name: string): void {
  if (/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?)+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(name)) return;
  let inUrl: string | undefined;
  try {
    inUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(name) ? new URL(name).host || undefined : undefined;
  } catch {
    inUrl = undefined;
  }
  throw new UsageError(`--allowed-host "${name}" is not a host name: give the name alone, as the Host header carries it (${inUrl ? `here ${inUrl}` : 'e.g. chat.example.com'})`);
}

/** A browser's Origin is exactly scheme://host[:port]: anything else (no scheme, a path, a trailing slash) would never match one. */
function checkOrigin(origin: string, where: string): void {
  let url: URL | undefined;
  try {
    url = new URL(origin);
  } catch {
    url = undefined;
  }
  if (url && (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin) return;
  const hint = url && (url.protocol === 'http:' || url.protocol === 'https:') ? `here ${url.origin}` : 'e.g. https://chat.example.com';
  throw new UsageError(`${where} "${origin}" is not an origin: give scheme://host[:port] (${hint})`);
}
