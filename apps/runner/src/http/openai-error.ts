import type { HttpProblem } from './problem';

/** OpenAI's error `type` for a status, so OpenAI SDKs raise their usual error classes. */
function typeFor(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

const MODEL_NOT_FOUND = ['pipeline-not-found', 'version-not-found', 'label-not-set', 'model-not-found'];

/**
 * The request field a problem is about, as OpenAI names it in `param` (`messages`, `metadata.times`,
 * `messages[0].content`): the body path of its first error without `$.`. A model that does not resolve is `model`;
 * a problem about the whole body, a header or nothing in the request has none.
 */
function paramOf(problem: HttpProblem, code: string | null): string | null {
  if (code === 'model_not_found') return 'model';
  const path = (problem.extensions.errors as { path?: unknown }[] | undefined)?.[0]?.path;
  return typeof path === 'string' && path.startsWith('$.') ? path.slice(2) : null;
}

/**
 * A problem as OpenAI's error body, `{error: {message, type, code}}`, with
 * the same status: what the /v1 routes answer instead of problem+json.
 */
export function openaiErrorResponse(problem: HttpProblem, redact: (json: string) => string = (json) => json): Response {
  const slug = problem.type.startsWith('urn:patchbay:problem:') ? problem.type.slice('urn:patchbay:problem:'.length) : null;
  const code = slug && MODEL_NOT_FOUND.includes(slug) ? 'model_not_found' : problem.status === 401 ? 'invalid_api_key' : (slug?.replace(/-/g, '_') ?? null);
  const body = { error: { message: problem.message, type: typeFor(problem.status), code, param: paramOf(problem, code) } };
  return new Response(redact(JSON.stringify(body)), { status: problem.status, headers: { 'content-type': 'application/json', ...problem.headers } });
}
