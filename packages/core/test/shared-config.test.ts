import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWorkspaceConfig, WorkspaceConfigError, type WorkspaceConfig } from '../src/node/config/workspace-config';
import { shareableConfig } from '../src/node/config/shared-config';

const file = '/srv/workspace/patchbay.config.json';
const read = (json: unknown): WorkspaceConfig => ({ ...parseWorkspaceConfig(json, file), configPath: file });
const problemsOf = (config: WorkspaceConfig, secrets: Array<{ name: string; value: string }> = []) => {
  try {
    shareableConfig(config, { dataDir: '/data', secrets });
  } catch (err) {
    expect(err).toBeInstanceOf(WorkspaceConfigError);
    return (err as WorkspaceConfigError).message.split('\n');
  }
  return [];
};

describe('the workspace config as it is shared with workers', () => {
  it('keeps env var references and resolves relative paths against the config file folder', () => {
    const config = read({
      providers: { gateway: { baseURL: 'https://gw.example/v1', apiKeyEnv: 'GATEWAY_KEY' } },
      tools: { sql: [{ name: 'orders', database: 'orders.sqlite' }, { name: 'abs', database: '/var/db/x.sqlite' }] },
      mcpServers: {
        local: { command: './bin/server', args: ['--data', 'data.json'], env: { TOKEN: '${MCP_TOKEN}' } },
        here: { command: 'node', cwd: 'tools', env: {} },
        remote: { url: 'https://mcp.example/mcp', headers: { Authorization: 'Bearer ${REMOTE_TOKEN}', 'X-Org': '${ORG_ID}' } },
      },
    });
    const shared = shareableConfig(config, { dataDir: '/data' });
    expect(shared).not.toHaveProperty('configPath');
    expect(shared.tools!.sql!.map((t) => t.database)).toEqual(['/srv/workspace/orders.sqlite', '/var/db/x.sqlite']);
    expect(shared.mcpServers!.local).toEqual({ command: './bin/server', args: ['--data', 'data.json'], env: { TOKEN: '${MCP_TOKEN}' }, cwd: '/srv/workspace' });
    expect(shared.mcpServers!.here).toMatchObject({ cwd: path.join('/srv/workspace', 'tools') });
    expect(shared.mcpServers!.remote).toEqual(config.mcpServers!.remote);
    // The config it was made from is untouched.
    expect(config.tools!.sql![0].database).toBe('orders.sqlite');
  });

  it('refuses a literal value in an MCP env or header, a URL with a password, and a secret value anywhere, naming each path', () => {
    const config = read({
      providers: { gateway: { baseURL: 'https://user:hunter2hunter2@gw.example/v1' } },
      tools: { custom: [{ name: 'leak', description: 'x', parameters: {}, code: 'return "sk-live-0123456789abcdef"' }] },
      mcpServers: {
        local: { command: 'srv', env: { TOKEN: 'plain-token-value', OK: '${OK_TOKEN}' } },
        remote: { url: 'https://mcp.example/mcp', headers: { Authorization: 'Bearer abc123abc123' } },
      },
    });
    expect(problemsOf(config, [{ name: 'OPENAI_API_KEY', value: 'sk-live-0123456789abcdef' }])).toEqual([
      `${file}: mcpServers.local.env.TOKEN: a literal value cannot be shared with workers; write "\${NAME}" and set NAME in each process's environment`,
      `${file}: mcpServers.remote.headers.Authorization: a literal value cannot be shared with workers; write "\${NAME}" and set NAME in each process's environment`,
      `${file}: providers.gateway.baseURL: a URL with a password cannot be shared with workers; put the credential in an environment variable`,
      `${file}: tools.custom.0.code: holds the value of OPENAI_API_KEY; name the variable instead (e.g. "apiKeyEnv" or "\${OPENAI_API_KEY}")`,
    ]);
  });

  it('refuses a literal tools.http.headers value and keeps a ${NAME} one', () => {
    const config = read({ tools: { http: { headers: { 'api.example.com': { Authorization: 'Bearer ${API_TOKEN}', 'X-Api-Key': 'abc123abc123' } } } } });
    expect(problemsOf(config, [])).toEqual([
      `${file}: tools.http.headers["api.example.com"].X-Api-Key: a literal value cannot be shared with workers; write "\${NAME}" and set NAME in each process's environment`,
    ]);
    const named = read({ tools: { http: { headers: { 'api.example.com': { Authorization: 'Bearer ${API_TOKEN}' } } } } });
    expect(shareableConfig(named, { dataDir: '/data' }).tools).toEqual(named.tools);
  });

  it("shares a literal tools.http.headers value whose name says it is no credential, as docs/tools.md's example has", () => {
    const config = read({ tools: { http: { headers: { 'api.github.com': { Authorization: 'Bearer ${GITHUB_TOKEN}', Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' } } } } });
    expect(shareableConfig(config, { dataDir: '/data' }).tools).toEqual(config.tools);
  });

  it('refuses a literal tools.http.headers value that looks like a key whatever its header is named', () => {
    // Honeycomb's ingest key goes in X-Honeycomb-Team: a name no credential pattern knows.
    const honeycomb = 'hcaik_01hq3x9v8yzb2m7k4c6t1r5n0wpqs8d2f7g3h9j4k6l1m5n8p0r2s4t6v8';
    const config = read({ tools: { http: { headers: { 'api.honeycomb.io': { 'X-Honeycomb-Team': honeycomb, Accept: 'application/json' } } } } });
    expect(problemsOf(config, [])).toEqual([
      `${file}: tools.http.headers["api.honeycomb.io"].X-Honeycomb-Team: a literal value cannot be shared with workers; write "\${NAME}" and set NAME in each process's environment`,
    ]);
    // After a scheme word too.
    const schemed = read({ tools: { http: { headers: { 'api.example.com': { 'X-Custom': `Bearer ${honeycomb}` } } } } });
    expect(problemsOf(schemed, [])).toHaveLength(1);
    const named = read({ tools: { http: { headers: { 'api.honeycomb.io': { 'X-Honeycomb-Team': '${HONEYCOMB_KEY}' } } } } });
    expect(shareableConfig(named, { dataDir: '/data' }).tools).toEqual(named.tools);
  });

  it('refuses a URL whose user is its credential (https://TOKEN@host), as one with a password', () => {
    const config = read({ mcpServers: { gh: { url: 'https://ghp_token0123456789@mcp.example/mcp' } } });
    expect(problemsOf(config, [])).toEqual([`${file}: mcpServers.gh.url: a URL with a password cannot be shared with workers; put the credential in an environment variable`]);
  });

  it('shares an empty config as it is', () => {
    expect(shareableConfig({}, { dataDir: '/data' })).toEqual({});
  });
});
