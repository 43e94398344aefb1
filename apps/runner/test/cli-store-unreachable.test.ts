import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port';
import { runCli, workspace } from './cli-child';

// A store that cannot be reached is a service that is down, not bad input: exit 1 (cli.md, scaling.md), one line in
// our words naming where it looked and what to do, never the driver's "connect ECONNREFUSED 127.0.0.1:1".
describe('a --store PostgreSQL that cannot be reached', () => {
  const ws = workspace({});
  afterAll(() => ws.remove());

  it('nothing listening: names host:port and says to start it, exit 1, one line', async () => {
    const port = await freePort();
    const refused = await runCli(['keys', 'list', '--store', `postgres://app:secret@127.0.0.1:${port}/patchbay`], ws.dir);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toBe(
      `patchbay keys: cannot open the store postgres://app:***@127.0.0.1:${port}/patchbay: nothing answers at 127.0.0.1:${port} (the connection was refused); start PostgreSQL there, or give the URL of one that runs, then run this again\n`,
    );
  });

  it('a socket path (?host=/dir) with no socket there: names the socket, exit 1, one line', async () => {
    const dir = path.join(ws.dir, 'no-socket-here');
    const missing = await runCli(['keys', 'list', '--store', `postgres://app@localhost/patchbay?host=${dir}`], ws.dir);
    expect(missing.code, missing.stderr).toBe(1);
    expect(missing.stderr).toBe(
      `patchbay keys: cannot open the store postgres://app@localhost/patchbay?host=${dir}: there is no PostgreSQL socket at ${dir}/.s.PGSQL.5432; start PostgreSQL there, or give the URL of one that runs, then run this again\n`,
    );
  });

  it('something that takes the connection and closes it (not PostgreSQL, or one that is starting): names host:port, exit 1, one line', async () => {
    const closer = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => closer.listen(0, '127.0.0.1', resolve));
    const { port } = closer.address() as net.AddressInfo;
    try {
      const closed = await runCli(['keys', 'list', '--store', `postgres://app@127.0.0.1:${port}/patchbay`], ws.dir);
      expect(closed.code, closed.stderr).toBe(1);
      expect(closed.stderr).toBe(
        `patchbay keys: cannot open the store postgres://app@127.0.0.1:${port}/patchbay: 127.0.0.1:${port} closed the connection before it answered as PostgreSQL; check that PostgreSQL (not another service) listens there and has started, then run this again\n`,
      );
    } finally {
      closer.close();
    }
  });

  it('something that takes the connection and never answers: names host:port and the wait, exit 1, one line', async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const waited = await runCli(['keys', 'list', '--store', `postgres://app@127.0.0.1:${port}/patchbay`], ws.dir);
      expect(waited.code, waited.stderr).toBe(1);
      expect(waited.stderr).toBe(
        `patchbay keys: cannot open the store postgres://app@127.0.0.1:${port}/patchbay: no answer from 127.0.0.1:${port} within 5 s; check the host and port in the store URL and that PostgreSQL runs there, then run this again\n`,
      );
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });

  it('a host name DNS does not know: names it, exit 1, one line', async () => {
    const unknown = await runCli(['keys', 'list', '--store', 'postgres://app@no-such-host.invalid:5432/patchbay'], ws.dir);
    expect(unknown.code, unknown.stderr).toBe(1);
    expect(unknown.stderr).toBe(
      'patchbay keys: cannot open the store postgres://app@no-such-host.invalid:5432/patchbay: the host "no-such-host.invalid" is not known (no DNS name); check the host in the store URL, then run this again\n',
    );
  });
});
