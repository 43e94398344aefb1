/**
 * fetch for an MCP server over streamable HTTP that reads no message past `maxBytes`. Over stdio the SDK
 * gives up on a line past 10 MB; over HTTP it read a JSON answer, or an SSE event, for as long as the
 * server sent one, so a server whose answer never ended grew the runner's memory until the request timed
 * out (60 s). A JSON body counts whole; an SSE stream (which may stay open for many events) counts each
 * event, from one blank line to the next. Past the bound the body fails and `onOverflow` is told.
 * `onStart` is given the first bytes of each answer that is not a stream: what to quote when it is not JSON-RPC.
 */
const START_CHARS = 200;

export function boundedFetch(maxBytes: number, onOverflow: () => void, onStart?: (text: string) => void): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!response.body) return response;
    const perEvent = (response.headers.get('content-type') ?? '').includes('text/event-stream');
    let size = 0;
    /** Bytes of the current line so far, without a CR: 0 right after a line feed. */
    let lineLength = 0;
    let start = perEvent ? null : '';
    const guard = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (start !== null && start.length < START_CHARS) onStart?.((start += Buffer.from(chunk.subarray(0, START_CHARS)).toString('utf8')));
        if (!perEvent) size += chunk.length;
        else {
          for (const byte of chunk) {
            size++;
            if (byte === 0x0a) {
              if (lineLength === 0) size = 0; // a blank line ends the event
              lineLength = 0;
            } else if (byte !== 0x0d) lineLength++;
          }
        }
        if (size > maxBytes) {
          onOverflow();
          controller.error(new Error(`an answer over ${maxBytes} bytes`));
          return;
        }
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(guard), { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
