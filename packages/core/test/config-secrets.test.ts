import { describe, expect, it } from 'vitest';
import { configSecrets, literalConfigSecrets, parseWorkspaceConfig, urlCredentials } from '../src/node/index';

const values = (config: unknown) => literalConfigSecrets(parseWorkspaceConfig(config)).map((s) => s.value);

describe("the credentials written literally in a workspace config", () => {
  it("are an MCP header's or env value's literal part when its name says it is a credential, not other settings", () => {
    const found = values({
      mcpServers: {
        api: { url: 'https://mcp.example/mcp', headers: { Authorization: 'Bearer tok-0123456789', 'X-Api-Key': 'key-0123456789', Cookie: 'sid=${SID}; theme=dark-mode', Accept: 'application/json', 'X-Tenant': 'tenant-acme-eu' } },
        files: { command: 'node', args: ['server.js', '--token', 'arg-tok-0123456789', '--api-key=arg-key-0123456789', '--verbose', 'plain-argument'], env: { GITHUB_TOKEN: 'ghp_0123456789', DB_PASSWORD: 'pw-${PW}-suffix', LOG_LEVEL: 'warning-level' } },
      },
    });
    expect(found).toEqual(expect.arrayContaining(['tok-0123456789', 'key-0123456789', 'arg-tok-0123456789', 'arg-key-0123456789', 'ghp_0123456789', 'pw-', '-suffix', '; theme=dark-mode']));
    for (const kept of ['application/json', 'tenant-acme-eu', 'warning-level', 'plain-argument', 'server.js', 'Bearer tok-0123456789']) expect(found).not.toContain(kept);
    // Only references: nothing literal.
    expect(values({ mcpServers: { gh: { url: 'https://mcp.example/mcp', headers: { Authorization: 'Bearer ${GITHUB_TOKEN}' } } } })).toEqual([]);
  });

  it("are the literal part of a tools.http.headers value whose name says it is a credential", () => {
    const found = values({ tools: { http: { headers: { 'api.example.com': { Authorization: 'Bearer lit-0123456789', 'X-Api-Key': '${API_KEY_VAR}', Accept: 'application/json' } } } } });
    expect(found).toEqual(['lit-0123456789']);
  });

  it('are a literal header value that looks like a key under a name that does not say so (as serve --queue refuses it)', () => {
    // Honeycomb's team key, an MCP server's X-Workspace token: masked in one process as they are refused for workers
    const found = values({
      tools: { http: { headers: { 'api.honeycomb.io': { 'X-Honeycomb-Team': 'hcaik_01hq3x9zvk2m8c4w7a5r6t0y1b', Accept: 'application/vnd.github+json' } } } },
      mcpServers: { ws: { url: 'https://mcp.example/mcp', headers: { 'X-Workspace': 'Bearer sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c' } } },
    });
    expect(found).toEqual(expect.arrayContaining(['hcaik_01hq3x9zvk2m8c4w7a5r6t0y1b', 'sk-proj-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c']));
    expect(found).not.toContain('application/vnd.github+json');
  });

  it("are a URL's password (written, decoded, as Basic) and its credential query parameters", () => {
    const found = values({ mcpServers: { wiki: { url: 'https://bob:p%40ss-0123456789@mcp.example/mcp?api_key=q-key-0123456789&page=2' } } });
    expect(found).toEqual(expect.arrayContaining(['p%40ss-0123456789', 'p@ss-0123456789', Buffer.from('bob:p@ss-0123456789').toString('base64'), 'q-key-0123456789']));
    expect(found).not.toContain('2');
  });

  // A token alone before the @ (https://TOKEN@host, as git and GitHub take one) is sent as Basic auth since d3f75ff: the credential is the user.
  it("are a URL's user when it has no password (written, decoded, as Basic)", () => {
    const found = values({ mcpServers: { gh: { url: 'https://ghp_tok%2B0123456789@mcp.example/mcp' } } });
    expect(found).toEqual(expect.arrayContaining(['ghp_tok%2B0123456789', 'ghp_tok+0123456789', Buffer.from('ghp_tok+0123456789:').toString('base64')]));
    // A database's user is its name, not a secret: masked, "patchbay" would be gone from every answer.
    expect(urlCredentials('the credential in the store URL', 'postgres://patchbay@db.example/patchbay')).toEqual([]);
  });

  it("include what a Basic header decodes to, and the providers' base URL credentials (configSecrets)", () => {
    const basic = Buffer.from('alice:basic-pw-0123456789').toString('base64');
    const config = parseWorkspaceConfig({
      providers: { gw: { baseURL: 'https://u:gw-pw-0123456789@gw.example/v1' } },
      mcpServers: { docs: { url: 'https://mcp.example/mcp', headers: { Authorization: `Basic ${basic}` } } },
    });
    const all = configSecrets(config, {}).map((s) => s.value);
    expect(all).toEqual(expect.arrayContaining([basic, 'alice:basic-pw-0123456789', 'basic-pw-0123456789', 'gw-pw-0123456789']));
    // Each says where it is, never what it is.
    for (const s of configSecrets(config, {})) expect(s.name).not.toContain(s.value);
  });

  it('takes a password with a % that is no escape as written, rather than throwing (every process reads these at start)', () => {
    const found = urlCredentials('the credential in HTTPS_PROXY', 'http://px:pw-100%zz-abcdef@proxy.example:3128').map((s) => s.value);
    expect(found).toContain('pw-100%zz-abcdef');
  });
});
