import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * The OTLP exporter drops a batch it cannot send (after its own retries) and says
 * nothing: a collector that is down, or an endpoint with a typo, would lose every
 * trace unseen. This one logs the first failure of an outage with its reason, and
 * one line when batches get through again; nothing per batch in between.
 */
export function loggedExporter(inner: SpanExporter, endpoint: string, log: (line: string) => void): SpanExporter {
  const url = withoutPassword(endpoint);
  let failing = false;
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      inner.export(spans, (result) => {
        // ExportResultCode.SUCCESS is 0 (a const enum: not imported, so the SDK stays unloaded without an endpoint).
        const ok = result.code === 0;
        if (!ok && !failing) log(`could not export traces to ${url}: ${reason(result.error)} (${spans.length} span(s) dropped; more are dropped, unlogged, until it answers)`);
        else if (ok && failing) log(`traces reach ${url} again`);
        failing = !ok;
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

/** The exporter's error says "fetch failed" or the like; the cause says why (ECONNREFUSED, a DNS miss). */
function reason(error: Error | undefined): string {
  if (!error) return 'no reason given';
  const cause = error.cause instanceof Error ? error.cause.message : '';
  return cause && !error.message.includes(cause) ? `${error.message} (${cause})` : error.message;
}

/** An endpoint may carry a collector's credentials (`https://user:token@…`): the log names it without them. */
function withoutPassword(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    if (!url.password) return endpoint;
    url.password = '***';
    return url.href;
  } catch {
    return endpoint;
  }
}
