/** One Server-Sent Event. `data` is sent as one line (JSON never contains a raw newline). */
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
const encoder = new TextEncoder();

export function formatSse(message: SseMessage): string {
  const id = message.id === undefined ? '' : `id: ${message.id}\n`;
  return `${id}event: ${message.event}\ndata: ${message.data.replace(/\n/g, '\ndata: ')}\n\n`;
}

/**
 * An SSE response fed by `start`, which gets a sink and returns what to do
 * when the client goes away. Messages are enqueued synchronously, so they
 * leave in exactly the order they were sent. A comment line every 15 s keeps
 * proxies from closing a quiet stream.
 */
export function sseResponse(start: (sink: SseSink) => (() => void) | void, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  let stop: (() => void) | void;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const finish = () => {
        if (closed) return;
        closed = true;
        clearInterval(timer);
        controller.close();
      };
      timer = setInterval(() => !closed && controller.enqueue(encoder.encode(': keep-alive\n\n')), KEEP_ALIVE_MS);
      timer.unref();
      stop = start({
        send(message) {
          if (!closed) controller.enqueue(encoder.encode(formatSse(message)));
        },
        close: finish,
      });
    },
    cancel() {
      closed = true;
      clearInterval(timer);
      stop?.();
    },
  });
  return new Response(body, {
    status: init.status ?? 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      ...init.headers,
    },
  });
}
