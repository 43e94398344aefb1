/**
 * A tool result as an agent's model is sent it: bytes a tool returned as base64 (`http_request`'s image or PDF,
 * marked `bodyEncoding: "base64"`) become a note of their size and type. No model reads base64 as an image, and
 * 1 MB would be 1.4 million characters (20,000 of them after maxToolResultChars) sent again on every later step.
 */
export function bytesNoted(output: unknown): unknown {
  if (!output || typeof output !== 'object' || Array.isArray(output)) return output;
  const result = output as Record<string, unknown>;
  if (result.bodyEncoding !== 'base64' || typeof result.body !== 'string') return output;
  const bytes = typeof result.bodyBytes === 'number' ? result.bodyBytes : Math.floor((result.body.length * 3) / 4);
  return { ...result, body: `[${bytes} bytes of ${typeof result.contentType === 'string' && result.contentType ? result.contentType : 'data'} as base64: not shown to the model]` };
}
