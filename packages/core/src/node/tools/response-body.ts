import iconv from 'iconv-lite';

/** What http_request returns for a body: text, or base64 for bytes that are not text. */
export type BodyValue = { body: string } | { bodyEncoding: 'base64'; bodyBytes: number; body: string };

// Media types that are bytes whatever they hold (SVG, image/svg+xml, is XML: the +xml test comes first).
const BINARY_TYPE = /^(image|audio|video|font)\/|^application\/(pdf|octet-stream|zip|gzip|x-gzip|x-tar|x-7z-compressed|x-rar-compressed|wasm|msword|vnd\.ms-|vnd\.openxmlformats-|vnd\.oasis\.opendocument\.|x-protobuf|protobuf|msgpack|x-msgpack|cbor)/;
const TEXT_TYPE = /^text\/|[/+](json|xml)$|^application\/(javascript|ecmascript|x-javascript|x-www-form-urlencoded|x-ndjson|ndjson|yaml|x-yaml|toml|graphql|sql|csv)$/;

/**
 * A response body as the pipeline gets it. Text (text/*, JSON, XML, …, or any type but a binary one that names a charset) is
 * read in its charset; bytes (an image, a PDF, a zip) come as base64 with their count, since read as text they
 * would reach the model, the trace and the next node as replacement characters with no way back. A body of no
 * or an unknown type is text when it reads as UTF-8 without control characters, base64 otherwise.
 */
export function bodyValue(body: Buffer, contentType: string): BodyValue {
  const type = contentType.split(';')[0].trim().toLowerCase();
  // `charset=binary` (what `file -i` says of bytes) names no text encoding.
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1]?.replace(/^binary$/i, '');
  // The type before the charset: one on a binary type (`image/png; charset=utf-8`, which some servers add to every
  // type) names no text. The text test first, for image/svg+xml.
  const text = TEXT_TYPE.test(type) || (!BINARY_TYPE.test(type) && (Boolean(charset) || looksLikeText(body)));
  return text ? { body: bodyText(body, charset) } : { bodyEncoding: 'base64', bodyBytes: body.length, body: body.toString('base64') };
}

/**
 * The body as text in the charset its content type names (a windows-1252 or Shift_JIS page read as UTF-8
 * reaches the model as replacement characters); UTF-8 when it names none, or one iconv-lite does not know.
 * Not TextDecoder: Node 20's reads windows-1252 (and so latin1, iso-8859-1) as Latin-1, 0x80 as U+0080, not €.
 */
function bodyText(body: Buffer, charset: string | undefined): string {
  return charset && iconv.encodingExists(charset) ? iconv.decode(body, charset) : body.toString('utf8');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function looksLikeText(body: Buffer): boolean {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    return false;
  }
  // Control characters other than tab, line breaks and form feed do not occur in text.
  return !/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text);
}
