import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';

/** One Server-Sent Event. `data` is JSON (never a raw newline). */
export interface SseMessage {
  id?: string | number;
  event: string;
  data: string;
}

export interface SseSink {
  send(message: SseMessage): void;
  close(): void;
}

const KEEP_ALIVE_MS = 15_000;

/** `id`, `event`, `data` in that order (as the runner has always framed them; writeSSE puts `id` last). */
export function formatSse(message: SseMessage): string {
  const id = message.id === undefined ? '' : `id: ${message.id}\n`;
  return `${id}event: ${message.event}\ndata: ${message.data.replace(/\n/g, '\ndata: ')}\n\n`;
}

/**
 * An SSE response (Hono's streamSSE) fed by `start`, which gets a sink and
 * returns what to do when the client goes away. `send` is synchronous for the
 * caller; writes are chained, so events leave in exactly the order they were
 * sent. A comment line every 15 s keeps proxies from closing a quiet stream.
 * Headers set on `c` before (Location, X-Run-Id) go out with it.
 */
export function sseStream(c: Context, start: (sink: SseSink) => (() => void) | void): Response {
  c.header('cache-control', 'no-cache, no-transform');
  c.header('x-accel-buffering', 'no');
  return streamSSE(c, async (stream) => {
    let closed = false;
    let finish!: () => void;
    const ended = new Promise<void>((resolve) => (finish = resolve));
    const close = () => {
      if (closed) return;
      closed = true;
      finish();
    };
    let chain = Promise.resolve();
    const write = (step: () => Promise<unknown>) => {
      chain = chain.then(step).then(
        () => {},
        () => close(),
      );
    };
    const timer = setInterval(() => !closed && write(() => stream.write(': keep-alive\n\n')), KEEP_ALIVE_MS);
    timer.unref();
    stream.onAbort(close);
    const stop = start({
      send(message) {
        if (!closed) write(() => stream.write(formatSse(message)));
      },
      close,
    });
    await ended;
    clearInterval(timer);
    stop?.();
    await chain;
  });
}
