import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseEnv, spawnPatchbay } from './support/patchbay-process';
import { scaleServices } from './support/scale-services';

// A supervisor (systemd, Kubernetes, a test) may stop a process the moment it says it is ready.
// The ready line was written before the SIGTERM handler was installed, so a SIGTERM right after it
// killed the process outright (signal SIGTERM, no clean stop) instead of stopping it.
describe('SIGTERM right after the ready line', () => {
  const services = scaleServices();

  it('stops a worker cleanly (exit 0, its stop line written)', async () => {
    const worker = await spawnPatchbay(['worker', '--store', services.store, '--queue', services.redis.url, '--grace-ms', '500'], baseEnv(), /taking jobs/);
    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.output()).toBe(0);
    expect(worker.output()).toMatch(/SIGTERM: finishing running jobs, then stopping/);
  }, 120_000);

  it('stops serve cleanly (exit 0, its stop line written)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-stop-'));
    try {
      const serve = await spawnPatchbay(['serve', '--port', '0', '--no-demo', '--data', dir], baseEnv(), /Patchbay listening/);
      serve.child.kill('SIGTERM');
      expect(await serve.exited, serve.output()).toBe(0);
      expect(serve.output()).toMatch(/SIGTERM: stopping/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
