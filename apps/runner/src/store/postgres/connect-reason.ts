/**
 * Why PostgreSQL could not be reached, in words that say where and what to do, for the one line a
 * command stops with: the driver's own ("connect ECONNREFUSED 127.0.0.1:5432") names a socket call.
 */
export function connectReason(err: unknown, url: string): { reason: string; advice?: string } {
  const e = err as Error & { code?: string };
  const { host, port } = address(url);
  const then = 'then run this again';
  switch (e.code) {
    case 'ENOENT':
      // A socket directory (?host=/var/run/postgresql) with no socket: PostgreSQL is not running there.
      return { reason: `there is no PostgreSQL socket at ${host.replace(/\/$/, '')}/.s.PGSQL.${port}`, advice: `start PostgreSQL there, or give the URL of one that runs, ${then}` };
    case 'ECONNREFUSED':
      return { reason: `nothing answers at ${host}:${port} (the connection was refused)`, advice: `start PostgreSQL there, or give the URL of one that runs, ${then}` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { reason: `the host "${host}" is not known (no DNS name)`, advice: `check the host in the store URL, ${then}` };
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { reason: `no answer from ${host}:${port} (${e.code === 'ETIMEDOUT' ? 'timed out' : 'no route to it'})`, advice: `check the host and port in the store URL and that PostgreSQL runs there, ${then}` };
    case '28P01':
    case '28000':
      return { reason: `PostgreSQL at ${host}:${port} refused the login (${e.message})`, advice: `check the user and password in the store URL, ${then}` };
    case '3D000':
      return { reason: `PostgreSQL at ${host}:${port} has no such database (${e.message})`, advice: `create it (createdb) or name one that exists, ${then}` };
    default:
      // pg's words when its connectionTimeoutMillis (5 s, pool.ts) passed without an answer.
      if (/connection timeout|timeout exceeded when trying to connect/i.test(e.message)) {
        return { reason: `no answer from ${host}:${port} within 5 s`, advice: `check the host and port in the store URL and that PostgreSQL runs there, ${then}` };
      }
      // pg's words when the other end closed the socket before the handshake: not PostgreSQL, or one still starting.
      if (/^Connection terminated/.test(e.message)) {
        return { reason: `${host}:${port} closed the connection before it answered as PostgreSQL`, advice: `check that PostgreSQL (not another service) listens there and has started, ${then}` };
      }
      return { reason: e.message || e.code || String(err) };
  }
}

/** Host and port as the driver reads them: the URL's, or its `?host=`/`?port=` (pg and libpq take both), 5432 by default. */
function address(url: string): { host: string; port: string } {
  try {
    const parsed = new URL(url);
    // pg takes ?host= over the URL's host (a socket directory is given so: postgres://user@localhost/db?host=/run/pg).
    const host = parsed.searchParams.get('host') || parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
    return { host, port: parsed.port || parsed.searchParams.get('port') || '5432' };
  } catch {
    return { host: 'localhost', port: '5432' };
  }
}
