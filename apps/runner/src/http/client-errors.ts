import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** A request line for a /v1 path, as the parser's bytes begin (`POST /v1/chat/completions?…`). */
const V1_REQUEST = /^[A-Z]+ \/v1(?:[/?# ]|$)/;

/**
 * Requests Node's HTTP parser refuses before the app sees them (a URL or
 * headers over --max-http-header-size, a malformed request line) get a
 * problem+json with the reason too, instead of Node's bare 431/400 — or, for a
 * /v1 path, OpenAI's error shape, which OpenAI clients read (as every /v1 answer is).
 */
export function answerClientErrors(server: Pick<Server, 'on'>): void {
  server.on('clientError', (err: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, title, detail] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'the request line and headers are over the limit of 16 KB: send long values in a body']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', 'the request did not arrive in time']
          : [400, 'Bad Request', 'the request is not valid HTTP/1.1'];
    // The bytes the parser was given: the request's start when it came in one read (a request that came in several is answered as problem+json).
    const v1 = V1_REQUEST.test(err.rawPacket?.subarray(0, 64).toString('latin1') ?? '');
    const [type, body] = v1
      ? ['application/json', JSON.stringify({ error: { message: detail, type: 'invalid_request_error', code: null, param: null } })]
      : ['application/problem+json', JSON.stringify({ type: 'about:blank', title, status, detail })];
    socket.end(`HTTP/1.1 ${status} ${title}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}
