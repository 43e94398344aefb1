import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createModelService, createOfflineProvider, openRetrievalStore, parseWorkspaceConfig } from '@patchbay/core/node';
import { localPins } from '../src/workspace/workspace-key';
import { echoPipeline } from './support/test-runner';

// An eval records the workspace it ran in (a hash of the config): with a literal secret in the config (fine
// in one process), that hash must not be a function of the secret's value, or a weak one could be guessed back.
describe("an eval's workspace key, on a data dir whose config holds a literal secret", () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-workspace-key-'));
  const retrieval = openRetrievalStore({ dataDir: dir, models: createModelService({ offline: createOfflineProvider() }) });
  afterAll(() => {
    retrieval.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const config = (authorization: string, url = 'https://mcp.example/mcp', baseURL = 'https://user:hunter2@gw.example/v1') =>
    parseWorkspaceConfig({ providers: { gateway: { baseURL } }, mcpServers: { docs: { url, headers: { Authorization: authorization } } } });
  const pinsOf = (c: ReturnType<typeof config>) => localPins({ config: c, dataDir: dir, retrieval }, echoPipeline() as never);

  it('is the same whatever the secret, and changes with what the workspace does', async () => {
    const one = await pinsOf(config('Bearer pw-one'));
    expect(await pinsOf(config('Bearer pw-two'))).toEqual(one);
    expect(await pinsOf(config('Bearer pw-one', 'https://mcp.example/mcp', 'https://user:other@gw.example/v1'))).toEqual(one);
    expect((await pinsOf(config('Bearer pw-one', 'https://other.example/mcp'))).config).not.toBe(one.config);
    expect((await pinsOf(config('Bearer ${DOCS_TOKEN}'))).config).not.toBe(one.config);
  });
});
