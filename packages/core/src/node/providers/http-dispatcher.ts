import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';

/** Environment variables that route requests through a proxy (both spellings, as curl reads them). */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const;

/** Keep idle sockets open this long between calls: an eval's calls come in bursts. */
const KEEP_ALIVE_MS = 30_000;

/**
 * The most of one reply that is read: a reply read whole (a served answer, an eval case) is held in
 * memory, and gigabytes from a broken or hostile endpoint would take the runner's. Far above any model's
 * reply: a 128k-token answer streamed is ~30 MB of events.
 */
export const MAX_REPLY_BYTES = 128 * 1024 * 1024;

/** The variables of `env` createDispatcher reads (and nothing else of it: another thread gets only these). */
export function proxySettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries([...PROXY_VARIABLES, 'no_proxy', 'NO_PROXY'].filter((name) => env[name] !== undefined).map((name) => [name, env[name]]));
}

/**
 * The connection pool a provider's requests go through (keep-alive sockets).
 * With HTTPS_PROXY or HTTP_PROXY set in `env`, requests go through that proxy,
 * except to hosts listed in NO_PROXY: undici's EnvHttpProxyAgent, given the
 * values from `env` so that the env a service was started with is the one
 * that counts (not whatever `process.env` holds later).
 */
export function createDispatcher(env: NodeJS.ProcessEnv = process.env, maxReplyBytes = MAX_REPLY_BYTES): Dispatcher {
  const options = { keepAliveTimeout: KEEP_ALIVE_MS, maxResponseSize: maxReplyBytes };
  if (!PROXY_VARIABLES.some((name) => env[name])) return new Agent(options);
  return new EnvHttpProxyAgent({
    ...options,
    // '' rather than undefined: undefined would make undici read process.env itself.
    httpProxy: env.http_proxy || env.HTTP_PROXY || '',
    httpsProxy: env.https_proxy || env.HTTPS_PROXY || '',
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
  });
}
