import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseEnv, spawnPatchbay, type PatchbayProcess } from './support/patchbay-process';
import { scaleServices } from './support/scale-services';

// A stopped process whose loop is still held by a handle is made to exit 2 s later, and says so
// ("… exiting anyway"). The BullMQ workers' own Redis connections were never closed (BullMQ leaves
// a connection it was given open), so every idle worker waited out those 2 s on SIGTERM.
describe('scaled out: a process with no job stops on its own', () => {
  const services = scaleServices();

  async function stopped(running: PatchbayProcess): Promise<string> {
    running.child.kill('SIGTERM');
    expect(await running.exited, running.output()).toBe(0);
    return running.output();
  }

  it('a worker: nothing holds it once stopped (no forced exit)', async () => {
    const worker = await spawnPatchbay(['worker', '--store', services.store, '--queue', services.redis.url], baseEnv(), /taking jobs/);
    const output = await stopped(worker);
    expect(output).toMatch(/SIGTERM: finishing running jobs, then stopping/);
    expect(output).not.toMatch(/exiting anyway/);
  }, 120_000);

  it('serve --work: nothing holds it once stopped (no forced exit)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-scale-stop-'));
    try {
      const serve = await spawnPatchbay(['serve', '--port', '0', '--no-demo', '--data', dir, '--store', services.store, '--queue', services.redis.url], baseEnv(), /Patchbay listening/);
      const output = await stopped(serve);
      expect(output).toMatch(/SIGTERM: stopping/);
      expect(output).not.toMatch(/exiting anyway/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
