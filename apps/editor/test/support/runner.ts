import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '@patchbay/runner';

/** A real runner on a random 127.0.0.1 port with its own temp data dir; `close()` stops it and removes the dir. */
export async function startTestRunner(options: { cors?: string[] } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-editor-test-'));
  const server = await startServer({ port: 0, dataDir, quiet: true, editorDist: false, cors: options.cors, env: { PATH: process.env.PATH } });
  return {
    url: server.url,
    server,
    async close() {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
