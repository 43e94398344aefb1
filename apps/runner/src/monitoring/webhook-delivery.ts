import { setTimeout as sleep } from 'node:timers/promises';
import { fetch } from 'undici';
import type { AlertDelivery, MonitorStore } from '../store/monitors';
import { guardedDispatcher, MetadataAddressRefused, resolvedHostProblem, resolvedInVariable, systemResolver, webhookHostProblem, type HostResolver } from './webhook-address';
import { resolveWebhook } from './webhook-target';

/** Waits before each attempt: at once, then 0.5 s, 2 s and 8 s. */
export const DELIVERY_BACKOFF_MS = [0, 500, 2_000, 8_000];
const ATTEMPT_TIMEOUT_MS = 5_000;
/** What a delivery records when the runner stops while it is still being attempted. */
export const STOPPED = 'the runner stopped before the alert was delivered';

/**
 * Posts an alert to its webhook as JSON, retrying with backoff until a 2xx or
 * the attempts run out; every delivery and its outcome is recorded (GET
 * /api/pipelines/:name/alerts). Runs in the background: nothing waits on it.
 * `signal` is the runner stopping: the attempt (or the wait) is cut short and
 * the delivery recorded as failed, not left pending for good.
 */
export async function deliverAlert(
  store: MonitorStore,
  alert: Pick<AlertDelivery, 'pipeline' | 'rule' | 'state' | 'payload' | 'webhook'>,
  options: { backoffMs?: number[]; log?: (line: string) => void; env?: NodeJS.ProcessEnv; signal?: AbortSignal; resolve?: HostResolver } = {},
): Promise<void> {
  const backoff = options.backoffMs ?? DELIVERY_BACKOFF_MS;
  // Recorded as the rule gives it: a `${NAME}` webhook stays a name here.
  const id = await store.addDelivery({ ...alert, createdAt: Date.now() });
  const target = resolveWebhook(alert.webhook, options.env ?? process.env);
  if ('problem' in target) {
    await store.updateDelivery(id, { status: 'failed', attempts: 0, lastError: target.problem, deliveredAt: null });
    options.log?.(`alert "${alert.rule}" of ${alert.pipeline} could not be delivered: ${target.problem}`);
    return;
  }
  const stop = options.signal ?? new AbortController().signal;
  const resolve = options.resolve ?? systemResolver;
  // A metadata address (as written, in the variable, or what the name resolves to) is refused before anything is sent.
  // A resolver that does not answer in time leaves the check to the connection itself (guardedDispatcher).
  const url = new URL(target.url);
  const inTime: HostResolver = (host) => Promise.race([resolve(host), sleep(ATTEMPT_TIMEOUT_MS, [], { signal: stop, ref: false }).catch(() => [])]);
  const refused = webhookHostProblem(url, target.variable) ?? (await resolvedHostProblem(url, inTime, target.variable));
  if (refused) return recordRefused(store, id, alert, 0, refused, options.log);
  const dispatcher = guardedDispatcher(resolve);
  try {
    await attempt({ store, id, alert, url: target.url, variable: target.variable, backoff, stop, dispatcher, log: options.log });
  } finally {
    await dispatcher.close();
  }
}

/** A delivery refused by the address guard: recorded failed with why, never retried (another try would be refused too). */
async function recordRefused(store: MonitorStore, id: number, alert: Pick<AlertDelivery, 'pipeline' | 'rule'>, attempts: number, why: string, log?: (line: string) => void): Promise<void> {
  await store.updateDelivery(id, { status: 'failed', attempts, lastError: why, deliveredAt: null });
  log?.(`alert "${alert.rule}" of ${alert.pipeline} was not delivered: ${why}`);
}

/** Posts until a 2xx, the attempts run out or the runner stops, recording each outcome on delivery `id`. */
async function attempt(delivery: {
  store: MonitorStore;
  id: number;
  alert: Pick<AlertDelivery, 'pipeline' | 'rule' | 'payload' | 'webhook'>;
  url: string;
  /** The variable `url` was read from, named in a refusal instead of the host. */
  variable?: string;
  backoff: number[];
  stop: AbortSignal;
  dispatcher: ReturnType<typeof guardedDispatcher>;
  log?: (line: string) => void;
}): Promise<void> {
  const { store, id, alert, url, variable, backoff, stop, dispatcher, log } = delivery;
  let lastError: string | null = null;
  for (let attempt = 1; attempt <= backoff.length; attempt++) {
    // Cut short when the runner stops (the rejection is that abort); unref'd, it keeps no process alive.
    if (backoff[attempt - 1] > 0) await sleep(backoff[attempt - 1], undefined, { signal: stop, ref: false }).catch(() => {});
    if (stop.aborted) {
      await store.updateDelivery(id, { status: 'failed', attempts: attempt - 1, lastError: STOPPED, deliveredAt: null });
      return;
    }
    try {
      const res = await fetch(url, {
        dispatcher,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'patchbay-alerts' },
        body: JSON.stringify(alert.payload),
        signal: AbortSignal.any([stop, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
        redirect: 'error',
      });
      await res.body?.cancel();
      if (res.ok) {
        await store.updateDelivery(id, { status: 'delivered', attempts: attempt, lastError: null, deliveredAt: Date.now() });
        return;
      }
      lastError = `the webhook answered ${res.status}`;
    } catch (err) {
      const cause = (err as Error).cause;
      if (cause instanceof MetadataAddressRefused) return recordRefused(store, id, alert, attempt, variable === undefined ? cause.message : resolvedInVariable(variable), log);
      lastError = stop.aborted ? STOPPED : failureReason(err as Error, url, alert.webhook);
    }
    if (stop.aborted) {
      await store.updateDelivery(id, { status: 'failed', attempts: attempt, lastError: STOPPED, deliveredAt: null });
      return;
    }
    await store.updateDelivery(id, { status: attempt === backoff.length ? 'failed' : 'pending', attempts: attempt, lastError, deliveredAt: null });
  }
  log?.(`alert "${alert.rule}" of ${alert.pipeline} could not be delivered: ${lastError}`);
}

/**
 * fetch says only "fetch failed"; the reason (ECONNREFUSED, a DNS miss, a TLS
 * error) is its cause. A URL read from the environment is written back as its
 * `${NAME}` should a message quote it.
 */
function failureReason(err: Error, url: string, webhook: string): string {
  const cause = err.cause instanceof Error ? err.cause : undefined;
  const message = cause && err.message === 'fetch failed' ? cause.message : err.message;
  return url === webhook ? message : message.split(url).join(webhook);
}
