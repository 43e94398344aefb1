import { EventSourceParserStream } from 'eventsource-parser/stream';

// Also importable alone as "@patchbay/core/event-stream": the editor's first screen reads streams
// without loading the node catalogue (whose zod schemas would run before the page sets zod up).
export { isLastRunEvent } from './events';

/** One Server-Sent Event as the runner sends it: `id: <seq>`, `event: <type>`, `data: <json>`. */
export interface StreamMessage {
  event: string;
  data: string;
  id?: string;
}

/**
 * Server-Sent Events read from a fetch body: the one decoder the editor and the
 * tests share. EventSource cannot POST, and a run is started by a POST, so the
 * stream is parsed here (eventsource-parser does the framing: multi-line data,
 * comments and keep-alives, CRLF). Breaking out of the loop stops the download.
 */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamMessage> {
  const reader = body.pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>).pipeThrough(new EventSourceParserStream()).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield { event: value.event ?? 'message', data: value.data, ...(value.id !== undefined ? { id: value.id } : {}) };
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/**
 * The typed events of a runner stream (a run's RunEvent, an eval's EvalEvent): each
 * message's JSON with its type, until `last(event)` says the stream is over.
 * A frame that is not JSON (not ours) is passed over.
 */
export async function* readEvents<E extends { type: string }>(body: ReadableStream<Uint8Array>, last: (event: E) => boolean): AsyncGenerator<E> {
  for await (const message of readEventStream(body)) {
    let event: E;
    try {
      event = { type: message.event, ...JSON.parse(message.data) } as E;
    } catch {
      continue;
    }
    yield event;
    if (last(event)) return;
  }
}
