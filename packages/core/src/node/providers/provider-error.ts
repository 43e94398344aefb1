import OpenAI from 'openai';
import { retryAfterMs } from './retry-after';

/** A model provider's failure, as one line naming the provider (and HTTP status when there is one). */
export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    message: string,
    readonly status?: number,
    /** The wait the provider asked for (Retry-After), in ms: an eval retries its rate-limited case after it. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/**
 * Turns whatever the SDK threw into a ProviderError with a one-line message.
 * The key is scrubbed from the text: some servers echo it back in 401 bodies.
 */
export function describeProviderError(
  err: unknown,
  where: { provider: string; baseURL: string; apiKey?: string; timeoutMs: number; maxReplyBytes?: number },
): ProviderError {
  if (err instanceof ProviderError) return err;
  const { provider, baseURL } = where;
  let status: number | undefined;
  let wait: number | undefined;
  let message: string;
  if (where.maxReplyBytes !== undefined && replyTooLarge(err)) {
    // undici stopped reading at the dispatcher's maxResponseSize; fetch reports it as "terminated".
    message = `${provider}: the reply was over ${Math.round(where.maxReplyBytes / 1024 / 1024)} MB (a model's reply is far smaller); stopped reading it at ${baseURL}`;
  } else if (err instanceof OpenAI.APIUserAbortError) {
    message = `${provider}: request cancelled`;
  } else if (err instanceof OpenAI.APIConnectionTimeoutError) {
    message = `${provider}: no response within ${where.timeoutMs} ms from ${baseURL}`;
  } else if (err instanceof OpenAI.APIConnectionError) {
    const cause = (err as { cause?: { code?: string; message?: string; cause?: { code?: string } } }).cause;
    const why = cause?.cause?.code ?? cause?.code ?? cause?.message ?? err.message;
    message = `${provider}: cannot reach ${baseURL} (${why})`;
  } else if (err instanceof OpenAI.APIError && err.status) {
    status = err.status;
    const body = err.error as { message?: unknown } | undefined;
    const detail = typeof body?.message === 'string' ? body.message : err.message.replace(/^\d+\s*/, '');
    const retryAfter = err.headers?.get('retry-after');
    wait = retryAfterMs(err.headers);
    message = `${provider}: HTTP ${status}${detail ? `: ${detail}` : ''}${retryAfter ? ` (retry-after ${retryAfter})` : ''}`;
  } else {
    message = `${provider}: ${err instanceof Error ? err.message : String(err)}`;
  }
  return new ProviderError(provider, oneLine(redact(message, where.apiKey)), status, wait);
}

/** undici's ResponseExceededMaxSizeError, as thrown or as the cause of fetch's (or the SDK's) error. */
function replyTooLarge(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return true;
  }
  return false;
}

function redact(text: string, secret?: string): string {
  return secret && secret.length >= 4 ? text.split(secret).join('***') : text;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 400 ? `${line.slice(0, 399)}…` : line;
}
