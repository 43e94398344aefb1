import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

/** What http_request asks servers for: every encoding it can decode (as fetch does), so a body arrives smaller. */
export const ACCEPTED_ENCODINGS = 'gzip, deflate, br';

/**
 * The streams that undo a response's `Content-Encoding`, last applied first (`gzip, br` was gzipped, then
 * brotli'd). Throws, naming it, for an encoding that cannot be decoded: read as text, its bytes would reach the
 * model as mojibake. A server may send one the request did not ask for (some CDNs gzip whatever was asked).
 */
export function decodersFor(contentEncoding: string | undefined): Transform[] {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity');
  return codings.reverse().map((coding) => {
    if (coding === 'gzip' || coding === 'x-gzip') return zlib.createGunzip();
    if (coding === 'br') return zlib.createBrotliDecompress();
    if (coding === 'deflate') return new DeflateDecoder();
    throw new Error(`the response is encoded as ${coding}, which http_request cannot decode (it decodes gzip, deflate and br)`);
  });
}

/**
 * `deflate` is meant to be zlib-wrapped (RFC 9110), but some servers send the raw stream; like browsers, tell
 * them apart by the first byte (a zlib header's low four bits are 8, the deflate method).
 */
class DeflateDecoder extends Transform {
  private inner?: zlib.Inflate | zlib.InflateRaw;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (!this.inner) {
      this.inner = (chunk[0] & 0x0f) === 8 ? zlib.createInflate() : zlib.createInflateRaw();
      this.inner.on('data', (data: Buffer) => this.push(data));
      this.inner.on('error', (err) => this.destroy(err));
    }
    this.inner.write(chunk, done);
  }

  override _flush(done: TransformCallback): void {
    if (!this.inner) return done();
    this.inner.once('end', () => done());
    this.inner.end();
  }

  override _destroy(err: Error | null, done: (error: Error | null) => void): void {
    this.inner?.destroy();
    done(err);
  }
}
