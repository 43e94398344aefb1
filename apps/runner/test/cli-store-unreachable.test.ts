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

  it('a host name DNS does not know: names it, exit 1, one line', async () => {
    const unknown = await runCli(['keys', 'list', '--store', 'postgres://app@no-such-host.invalid:5432/patchbay'], ws.dir);
    expect(unknown.code, unknown.stderr).toBe(1);
    expect(unknown.stderr).toBe(
      'patchbay keys: cannot open the store postgres://app@no-such-host.invalid:5432/patchbay: the host "no-such-host.invalid" is not known (no DNS name); check the host in the store URL, then run this again\n',
    );
  });
});
