import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';

/**
 * Server-Sent Events read from a fetch body. EventSource cannot POST, and a run
 * is started by a POST, so the stream is parsed here (eventsource-parser does
 * the framing: multi-line data, comments, CRLF).
 */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string; id?: string }> {
  const reader = body.pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>).pipeThrough(new EventSourceParserStream()).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const message: EventSourceMessage = value;
      yield { event: message.event ?? 'message', data: message.data, id: message.id };
    }
  } finally {
    // stops the download when the caller breaks out early
    await reader.cancel().catch(() => {});
  }
}
