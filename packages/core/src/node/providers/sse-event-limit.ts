import { Response as UndiciResponse } from 'undici';
import { ProviderError } from './provider-error';

/** The largest one Server-Sent Event of a chat completion stream may be. A real one carries one small delta. */
export const MAX_SSE_EVENT_BYTES = 4 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Ends an event stream at its first event (the bytes up to a blank line) of more than `maxBytes`.
 * The openai SDK joins and re-scans everything since the last event boundary on every network
 * chunk, so one huge event costs time that grows with its square, all of it on the runner's
 * thread: a 50 MB event held it for seconds at a time, 80 s in all. Counting here is one pass.
 */
export function eventSizeLimit(maxBytes: number, tooBig: () => Error): TransformStream<Uint8Array, Uint8Array> {
  let line = 0; // bytes since the last line break
  let event = 0; // bytes since the last blank line
  let lastWasCR = false;
  return new TransformStream({
    transform(chunk, controller) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte === LF || byte === CR) {
          // CRLF is one line break; an empty line ends the event
          if (!(byte === LF && lastWasCR)) {
            if (line === 0) event = 0;
            line = 0;
          }
          lastWasCR = byte === CR;
          continue;
        }
        lastWasCR = false;
        line++;
        if (++event > maxBytes) {
          controller.error(tooBig());
          return;
        }
      }
      controller.enqueue(chunk);
    },
  });
}

/** A fetch whose event-stream answers end with a ProviderError at an event past MAX_SSE_EVENT_BYTES. */
export const limitEventSize =
  (send: typeof fetch, provider: string, baseURL: string): typeof fetch =>
  async (input, init) => {
    const response = await send(input, init);
    if (!response.body || !/^text\/event-stream/i.test(response.headers.get('content-type') ?? '')) return response;
    const mb = MAX_SSE_EVENT_BYTES / 1024 / 1024;
    const limit = eventSizeLimit(
      MAX_SSE_EVENT_BYTES,
      () => new ProviderError(provider, `${provider}: the stream sent one event of more than ${mb} MB (a chat completion stream sends small pieces); stopped reading at ${baseURL}`),
    );
    // The body is undici's own stream (the provider fetches with undici), so undici's Response wraps it.
    const body = response.body.pipeThrough(limit) as unknown as ConstructorParameters<typeof UndiciResponse>[0];
    return new UndiciResponse(body, { status: response.status, statusText: response.statusText, headers: [...response.headers] }) as unknown as Response;
  };
