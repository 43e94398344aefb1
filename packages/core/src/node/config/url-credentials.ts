/** A name (of a header, a query parameter, a variable, a flag) that says its value is a credential. */
export const CREDENTIAL_NAME = /auth|key|token|secret|passw|pwd|cookie|session|credential|signature|^sig$/i;

/**
 * The credentials a URL carries, each a secret like a key: the password of its `user:password@` (as written,
 * decoded, and as the `Basic` credential it is sent as) and the value of each query parameter whose name says
 * it is one (`?token=…`, `&api_key=…`, as written and decoded). A server that quotes the URL or the request's
 * headers back (a proxy's 401, fetch's refusal of a URL with credentials) must not get them into a trace, a log
 * or a file. `name` says where the secret is, never what it is.
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
    values.add(url.password).add(decodeURIComponent(url.password));
    values.add(Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64'));
  }
  for (const [key, value] of url.searchParams) {
    if (!CREDENTIAL_NAME.test(key) || !value) continue;
    values.add(value);
    // searchParams decodes; the URL as written may hold the encoded form.
    values.add(encodeURIComponent(value));
  }
  return [...values].map((value) => ({ name, value }));
}
