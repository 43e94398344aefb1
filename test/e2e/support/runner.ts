import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '@patchbay/runner';

/**
 * A real runner serving the built editor, on a random 127.0.0.1 port with a temp
 * data dir. `config` is written as the workspace's patchbay.config.json.
 */
export async function startEditorServer(options: { config?: unknown; env?: Record<string, string>; seed?: (dataDir: string) => Promise<unknown> } = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-e2e-'));
  await options.seed?.(dataDir);
  if (options.config) fs.writeFileSync(path.join(dataDir, 'patchbay.config.json'), JSON.stringify(options.config));
  const server = await startServer({ port: 0, dataDir, quiet: true, env: { PATH: process.env.PATH, ...options.env } });
  const request = async (method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(server.url + route, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
  };
  return {
    url: server.url,
    dataDir,
    /** A JSON call to the runner's API: its status and parsed answer, whatever the status. */
    request,
    /** A JSON call to the runner's API for seeding and checking: the parsed answer, or an Error naming the call and the problem. */
    async api(method: string, route: string, body?: unknown): Promise<any> {
      const answer = await request(method, route, body);
      if (answer.status >= 400) throw new Error(`${method} ${route}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    },
    async close() {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
