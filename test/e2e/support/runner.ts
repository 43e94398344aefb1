import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '@patchbay/runner';

/**
 * A real runner serving the built editor, on a random 127.0.0.1 port with a temp
 * data dir. `config` is written as the workspace's patchbay.config.json.
 */
export async function startEditorServer(options: { config?: unknown; env?: Record<string, string> } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-e2e-'));
  if (options.config) fs.writeFileSync(path.join(dataDir, 'patchbay.config.json'), JSON.stringify(options.config));
  const server = await startServer({ port: 0, dataDir, quiet: true, env: { PATH: process.env.PATH, ...options.env } });
  return {
    url: server.url,
    dataDir,
    async close() {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
