import { literalStretches } from './env-references';
import { looksLikeKey } from './key-like';

/** A name (of a header, a query parameter, a variable, a flag) that says its value is a credential. */
export const CREDENTIAL_NAME = /auth|key|token|secret|passw|pwd|cookie|session|credential|signature|^sig$/i;

/** Whether a literal stretch of `value`, or a word of one (`Bearer hcaik_…`), looks like a key whatever its name says. */
export function holdsKey(value: string): boolean {
  return literalStretches(value).some((stretch) => stretch.split(/\s+/).some(looksLikeKey));
}

/**
 * The credentials a URL carries, each a secret like a key: the password of its `user:password@` (as written,
 * decoded, and as the `Basic` credential it is sent as), or an http(s) URL's user when it has no password (a
 * token), and the value of each query parameter whose name says it is one (`?token=…`, `&api_key=…`, as
 * written and decoded). A server that quotes the URL or the request's headers back (a proxy's 401, fetch's
 * refusal of a URL with credentials) must not get them into a trace, a log or a file. `name` says where the secret is, never what it is.
 */
export function urlCredentials(name: string, text: string): Array<{ name: string; value: string }> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [];
  }
  const values = new Set<string>();
  if (url.password) {
    values.add(url.password).add(decoded(url.password));
    values.add(Buffer.from(`${decoded(url.username)}:${decoded(url.password)}`).toString('base64'));
  } else if (url.username && (url.protocol === 'https:' || url.protocol === 'http:')) {
    // Over HTTP a user alone is a token (https://TOKEN@host, as git takes one), sent as Basic `TOKEN:` (splitBaseURL);
    // a database's (postgres://patchbay@host) is a name, and masking it would garble every answer that says it.
    values.add(url.username).add(decoded(url.username));
    values.add(Buffer.from(`${decoded(url.username)}:`).toString('base64'));
  }
  for (const [key, value] of url.searchParams) {
    if (!CREDENTIAL_NAME.test(key) || !value) continue;
    values.add(value);
    // searchParams decodes; the URL as written may hold the encoded form.
    values.add(encodeURIComponent(value));
  }
  return [...values].map((value) => ({ name, value }));
}

/** `text` percent-decoded, or as written when a `%` in it is no escape (`pw-100%`): read at every start, it must not throw. */
export function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The credential a header value holds besides `${NAME}` references (their values are masked by name): each literal
 * stretch (after an auth scheme: `Bearer abc…` gives `abc…`, so "Bearer a" elsewhere is left alone), and of a
 * `Basic` credential the `user:password` and password it decodes to.
 */
export function headerCredentials(name: string, value: string): Array<{ name: string; value: string }> {
  const credential = value.trim().replace(/^[A-Za-z][A-Za-z0-9-]* (?=\S+$)/, '');
  const parts = new Set(literalStretches(credential).map((part) => part.trim()));
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(value.trim());
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    parts.add(decoded).add(decoded.slice(decoded.indexOf(':') + 1));
  }
  return [...parts].filter(Boolean).map((part) => ({ name, value: part }));
}
