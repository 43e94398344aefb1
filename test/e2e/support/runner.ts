import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '@patchbay/runner';

/** A real runner serving the built editor, on a random 127.0.0.1 port with a temp data dir. */
export async function startEditorServer() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-e2e-'));
  const server = await startServer({ port: 0, dataDir, quiet: true, env: { PATH: process.env.PATH } });
  return {
    url: server.url,
    dataDir,
    async close() {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
