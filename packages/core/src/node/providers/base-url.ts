import { decoded } from '../config/credentials';

/**
 * A base URL may carry `user:password@` for a server behind basic auth (a
 * reverse proxy in front of a local model server). fetch refuses such URLs, so
 * the credentials travel as an `Authorization: Basic` header instead, for
 * streams and whole replies alike, and never appear in messages.
 */
export interface SplitBaseURL {
  /** The URL without credentials: what requests go to and what messages show. */
  url: string;
  /** `Basic …` when the URL carried credentials. */
  authorization?: string;
}

export function splitBaseURL(baseURL: string): SplitBaseURL {
  let parsed: URL;
  try {
    parsed = new URL(baseURL);
  } catch {
    return { url: baseURL };
  }
  if (!parsed.username && !parsed.password) return { url: baseURL };
  const user = decoded(parsed.username);
  const password = decoded(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.href, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** The URL as shown to people and in API answers: credentials left out. */
export function displayBaseURL(baseURL: string): string {
  return splitBaseURL(baseURL).url;
}
