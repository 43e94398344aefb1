import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadWorkspaceConfig, resolveConfigPath, WorkspaceConfigError } from '../src/node/config/workspace-config';
import { resolveDataDir } from '../src/node/data-dir';
import { createServices } from '../src/node/services';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'patchbay-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, value: unknown) => {
  const file = path.join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof WorkspaceConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a WorkspaceConfigError');
};

describe('resolveDataDir', () => {
  it('prefers --data, then PATCHBAY_DATA, then ./.patchbay, always absolute', () => {
    expect(resolveDataDir({ flag: 'here', env: { PATCHBAY_DATA: '/elsewhere' }, cwd: '/work' })).toBe('/work/here');
    expect(resolveDataDir({ env: { PATCHBAY_DATA: 'rel' }, cwd: '/work' })).toBe('/work/rel');
    expect(resolveDataDir({ env: {}, cwd: '/work' })).toBe('/work/.patchbay');
  });
});

describe('workspace config', () => {
  it('is empty when the data dir has no config file', () => {
    expect(loadWorkspaceConfig({ dataDir: dir })).toEqual({});
  });

  it('reads patchbay.config.json from the data dir, with every section', () => {
    const value = {
      providers: { fireworks: { timeoutMs: 30000, maxRetries: 3, models: ['accounts/fireworks/models/llama-v3p1-8b-instruct'] }, gateway: { baseURL: 'https://llm.example.com/v1', apiKeyEnv: 'GATEWAY_KEY' } },
      prices: { 'gateway:big': { input: 1, output: 2 } },
      tools: {
        custom: [{ name: 'shout', description: 'upper-cases', parameters: { type: 'object', properties: { text: { type: 'string' } } }, code: 'return args.text.toUpperCase()' }],
        sql: [{ name: 'orders', database: 'orders.sqlite' }],
        http: { allowHosts: ['localhost'], timeoutMs: 2000, maxBytes: 100000 },
      },
      mcpServers: { files: { command: 'node', args: ['server.js'] }, remote: { url: 'http://127.0.0.1:9000/mcp' } },
      scripted: [{ role: 'user', match: 'order (\\d+)', toolCalls: [{ name: 'orders', arguments: { id: '$1' } }] }],
      cache: { enabled: false },
    };
    const file = write('patchbay.config.json', value);
    const config = loadWorkspaceConfig({ dataDir: dir });
    expect(config).toEqual({ ...value, configPath: file });
    expect(resolveConfigPath(config, '/unused', 'orders.sqlite')).toBe(path.join(dir, 'orders.sqlite'));
  });

  it('reads --config FILE instead, and insists that it exists', () => {
    const file = write('other.json', { cache: { enabled: true } });
    expect(loadWorkspaceConfig({ dataDir: '/nonexistent', configPath: file }).cache).toEqual({ enabled: true });
    expect(problemsOf(() => loadWorkspaceConfig({ dataDir: dir, configPath: path.join(dir, 'missing.json') }))).toEqual(['file not found']);
  });

  it('says plainly when --config names a folder, not in the words of Node (EISDIR)', () => {
    expect(problemsOf(() => loadWorkspaceConfig({ dataDir: dir, configPath: dir }))).toEqual(['a directory, not a workspace config file (give its patchbay.config.json)']);
  });

  it('says plainly when the data dir is a file, not a directory (a mistyped --data)', () => {
    const notDir = write('notes.txt', 'not a data dir');
    expect(problemsOf(() => loadWorkspaceConfig({ dataDir: notDir }))).toEqual([`the data dir ${notDir} is a file, not a directory (pass --data DIR)`]);
  });

  // A key pasted where its variable's name goes was listed as that name (GET /api/providers, logs): refused, never repeated.
  it('refuses an apiKeyEnv that looks like a key rather than a variable name, without repeating it', () => {
    const keys = [
      'fw_3ZbXkqA1b2C3d4E5f6G7h8',
      `gsk_${'aZ3'.repeat(17)}x`,
      'pbk_Qm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFi',
      'hf_AbCdEfGhIjKlMnOpQrStUvWxYz12345678',
      'sk-proj-abc123DEF456ghi789JKL012',
      'sk_live_51H8abcDEFghiJKLmnoPQR',
      'AKIAIOSFODNN7EXAMPLE',
      'a3f9c2e17b4d4e0f9a8b7c6d5e4f3a2b',
    ];
    for (const key of keys) {
      write('patchbay.config.json', { providers: { fireworks: { apiKeyEnv: key } } });
      const problems = problemsOf(() => loadWorkspaceConfig({ dataDir: dir }));
      expect(problems, key).toEqual([
        'providers.fireworks.apiKeyEnv: this looks like a key, not the name of a variable: a key never goes in the config; set "apiKeyEnv" to the name of the environment variable that holds it, such as MY_GATEWAY_KEY',
      ]);
      expect(problems.join('\n')).not.toContain(key.slice(4, 12));
    }
    for (const name of ['OPENAI_API_KEY', 'fireworks_key', 'MY_KEY_2', 'GATEWAY_KEY', 'key_for_gpt4o_mini_2024', 'AZURE_OPENAI_API_KEY_EASTUS2', 'sk_key', 'HF_TOKEN', 'hf_inference_api_token', 'fw_api_key_production', 'gsk_groq_key_for_prod_env', 'pk_payments_service_key', 'HF_TOKEN_FOR_INFERENCE_JOBS']) {
      write('patchbay.config.json', { providers: { fireworks: { apiKeyEnv: name } } });
      expect(loadWorkspaceConfig({ dataDir: dir }).providers?.fireworks?.apiKeyEnv, name).toBe(name);
    }
  });

  // `${KEY}` with a key pasted in it reads as a variable name: "environment variable <the key> is not set" at each call.
  it("refuses an MCP server's ${NAME} that holds a key rather than a variable name, without repeating it", () => {
    const key = 'ghp_AbC1dEf2GhI3jKl4MnO5pQr6StU7vWx8';
    write('patchbay.config.json', {
      mcpServers: { github: { url: 'https://mcp.example.com/mcp', headers: { Authorization: `Bearer \${${key}}` } }, files: { command: 'node', env: { TOKEN: `\${${key}}` } } },
    });
    const problems = problemsOf(() => loadWorkspaceConfig({ dataDir: dir }));
    const says = '${…} holds what looks like a key, not the name of a variable: give the name of the environment variable that holds it, such as ${GITHUB_TOKEN}';
    expect(problems).toEqual([`mcpServers.github.headers.Authorization: ${says}`, `mcpServers.files.env.TOKEN: ${says}`]);
    expect(problems.join('\n')).not.toContain(key.slice(4, 12));
    write('patchbay.config.json', { mcpServers: { github: { url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer ${GITHUB_TOKEN}' } } } });
    expect(loadWorkspaceConfig({ dataDir: dir }).mcpServers?.github).toBeDefined();
  });

  it('refuses a ${NAME} in tools.http.headers that holds a key, as an MCP header', () => {
    const key = 'ghp_AbC1dEf2GhI3jKl4MnO5pQr6StU7vWx8';
    write('patchbay.config.json', { tools: { http: { headers: { 'api.github.com': { Authorization: `Bearer \${${key}}` } } } } });
    const problems = problemsOf(() => loadWorkspaceConfig({ dataDir: dir }));
    expect(problems).toEqual([
      'tools.http.headers["api.github.com"].Authorization: ${…} holds what looks like a key, not the name of a variable: give the name of the environment variable that holds it, such as ${GITHUB_TOKEN}',
    ]);
    expect(problems.join('\n')).not.toContain(key.slice(4, 12));
  });

  it('takes a tools.http.headers key that is an origin and refuses one that is not, saying what one is', () => {
    const headers = { Authorization: 'Bearer ${GITHUB_TOKEN}' };
    const keys = ['api.github.com', 'api.github.com:8443', 'https://api.github.com', 'HTTPS://API.github.com/', 'http://127.0.0.1:8080', '*.corp.example', '[::1]:8080'];
    write('patchbay.config.json', { tools: { http: { headers: Object.fromEntries(keys.map((k) => [k, headers])) } } });
    expect(Object.keys(loadWorkspaceConfig({ dataDir: dir }).tools?.http?.headers ?? {})).toEqual(keys);
    write('patchbay.config.json', { tools: { http: { headers: { 'https://api.github.com/repos': headers, 'ftp://files.example': headers, 'token@api.github.com': headers, 'api.github.com:99999': headers } } } });
    const reason = 'not an origin: write the host ("api.github.com", https on 443), "host:port" (https on that port) or "http://host:port" (plain http), with no path';
    expect(problemsOf(() => loadWorkspaceConfig({ dataDir: dir }))).toEqual(['https://api.github.com/repos', 'ftp://files.example', 'token@api.github.com', 'api.github.com:99999'].map((k) => `tools.http.headers[${JSON.stringify(k)}]: ${reason}`));
  });

  it('names the path of each problem, one line each', () => {
    write('patchbay.config.json', {
      providers: { fireworks: { timeoutMs: 'soon', apiKey: 'sk-oops' } },
      prices: { gpt: { input: 1, output: 1 } },
      tools: { sql: [{ name: 'orders' }] },
      mcpServers: { broken: { args: [] } },
      scripted: [{ match: '(' }],
    });
    const problems = problemsOf(() => loadWorkspaceConfig({ dataDir: dir }));
    expect(problems).toEqual(
      expect.arrayContaining([
        'providers.fireworks.timeoutMs: expected number',
        'providers.fireworks: a key never goes in the config: set "apiKeyEnv" to the name of the environment variable that holds it',
        'prices.gpt: bad name: a price key is "provider:model"',
        'tools.sql.0.database: expected string',
        'mcpServers.broken: expected either {command, args?, env?, cwd?} or {url, headers?}',
        'scripted.0.match: not a valid regular expression',
      ]),
    );
    for (const line of problems) expect(line).not.toContain('\n');
    // The message names the misplaced key's field, never repeats its value.
    expect(problems.join('\n')).not.toContain('sk-oops');
  });

  it('refuses a time limit past what a timer can wait (Node fires it after 1 ms), in every section that takes one', () => {
    const tooLong = 3_000_000_000;
    write('patchbay.config.json', {
      providers: { vllm: { timeoutMs: tooLong } },
      tools: { custom: [{ name: 'c', description: 'c', parameters: {}, code: 'return 1', timeoutMs: tooLong }], sql: [{ name: 's', database: 'x.db', timeoutMs: tooLong }], http: { timeoutMs: tooLong } },
    });
    const limit = 'a time limit is at most 2147483647 ms (about 24.8 days)';
    expect(problemsOf(() => loadWorkspaceConfig({ dataDir: dir }))).toEqual(
      expect.arrayContaining([`providers.vllm.timeoutMs: ${limit}`, `tools.custom.0.timeoutMs: ${limit}`, `tools.sql.0.timeoutMs: ${limit}`, `tools.http.timeoutMs: ${limit}`]),
    );
  });

  it('reports a file that is not JSON in one line', () => {
    write('patchbay.config.json', '{ "providers": ');
    const problems = problemsOf(() => loadWorkspaceConfig({ dataDir: dir }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^not valid JSON: /);
  });

  it('does not quote the text of a config that is not JSON: it may hold a literal credential, unknown until it parses', () => {
    const secret = 'ghp_literal0123456789';
    write('patchbay.config.json', `{"mcpServers": {"gh": {"url": "https://mcp.example/mcp",\n  "headers": {"X-Api-Key": ${secret}}}}}`);
    const problems = problemsOf(() => loadWorkspaceConfig({ dataDir: dir }));
    // Where and what, without the text around it (the parser quotes 10 characters each side).
    expect(problems).toEqual(["not valid JSON at line 2, column 28: unexpected character 'g'"]);
    for (let i = 0; i + 8 <= secret.length; i++) expect(problems[0]).not.toContain(secret.slice(i, i + 8));
    // The parser's own words, where it gives a position instead of a quote.
    write('patchbay.config.json', '{"cache": {\n  "enabled": true,\n}}');
    expect(problemsOf(() => loadWorkspaceConfig({ dataDir: dir }))).toEqual(['not valid JSON at line 3, column 1: Expected double-quoted property name']);
  });

  it('makes createServices refuse a bad config with the same message', async () => {
    write('patchbay.config.json', { cache: { enabled: 'yes' } });
    await expect(createServices({ dataDir: dir, env: {} })).rejects.toThrow('cache.enabled: expected boolean');
  });

  it('feeds scripted rules to offline:scripted through createServices', async () => {
    write('patchbay.config.json', { scripted: [{ match: 'weather in (\\w+)', reply: 'Sunny in $1.' }] });
    const services = await createServices({ dataDir: dir, env: {} });
    try {
      const result = await services.models.chat({ model: 'offline:scripted', messages: [{ role: 'user', content: 'weather in Oslo?' }] });
      expect(result.text).toBe('Sunny in Oslo.');
    } finally {
      await services.close();
    }
  });
});

describe('WorkspaceConfigError message', () => {
  it('starts every line with the file, so the first line alone is a usable error', () => {
    const error = new WorkspaceConfigError('/w/patchbay.config.json', ['a.b: expected number', 'c: unknown field "d"']);
    expect(error.message.split('\n')).toEqual(['/w/patchbay.config.json: a.b: expected number', '/w/patchbay.config.json: c: unknown field "d"']);
  });
});
