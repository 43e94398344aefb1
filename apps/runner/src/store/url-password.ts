/**
 * A password given as a query parameter (`?password=…`, `&sslpassword=…`), masked for
 * messages and log lines. pg (like libpq) and ioredis read one there as well as in
 * `user:password@`, so masking the userinfo alone would print it.
 */
export function maskPasswordParams(text: string): string {
  return text.replace(/([?&](?:ssl)?password=)[^&#]*/gi, '$1***');
}
