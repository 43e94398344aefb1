// GET /api/tools says which tools are an MCP server's, and GET /api/tools/problems which were left out and why.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspace } from './cli-child';
import { startTestRunner, type TestRunner } from './support/test-runner';

const FIXTURE = fileURLToPath(new URL('../../../packages/core/test/fixtures/mcp-server.mjs', import.meta.url));
const fixture = (...args: string[]) => ({ command: process.execPath, args: [FIXTURE, ...args] });

let ws: ReturnType<typeof workspace>;
let runner: TestRunner;
beforeAll(async () => {
  ws = workspace({
    'patchbay.config.json': {
      mcpServers: {
        'demo.v2': fixture(),
        // Both list `add`: demo.v2's fixture too, so each is prefixed; my.srv's and my_srv's prefixes clean alike.
        'my.srv': fixture(),
        my_srv: fixture(),
        // It echoes its key on stderr: the problem quotes stderr, so the key must come back masked.
        broken: { command: process.execPath, args: ['-e', 'console.error("refused key " + process.env.API_KEY); process.exit(2)'], env: { API_KEY: '${BROKEN_KEY}' } },
      },
    },
  });
  runner = await startTestRunner({ configPath: path.join(ws.dir, 'patchbay.config.json'), env: { BROKEN_KEY: 'bk-0123456789abcdef' } });
});
afterAll(async () => {
  await runner.close();
  ws.remove();
});

describe('MCP tools over HTTP', () => {
  it('lists each MCP tool with the server and the name it has there; other tools have no mcp', async () => {
    const res = await runner.api('/api/tools');
    expect(res.status).toBe(200);
    const tools: any[] = await res.json();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get('demo_v2__get_weather')).toMatchObject({ description: 'A name with a dot', mcp: { server: 'demo.v2', tool: 'get.weather' } });
    expect(byName.get('demo_v2__add')).toMatchObject({ mcp: { server: 'demo.v2', tool: 'add' }, parameters: { required: ['a', 'b'] } });
    expect(byName.get('calculator')).not.toHaveProperty('mcp');
    expect(byName.has('my_srv__add')).toBe(false);
  });

  it('says which were left out and why, and which servers did not answer, each with its servers and name', async () => {
    const res = await runner.api('/api/tools/problems');
    expect(res.status).toBe(200);
    const problems: any[] = await res.json();
    expect(problems).toContainEqual({ servers: ['broken'], message: 'MCP server "broken" is unavailable: it exited with code 2 (stderr: refused key [REDACTED])' });
    expect(problems).toContainEqual({
      servers: ['my.srv', 'my_srv'],
      name: 'my_srv__add',
      message: 'tool "add" of MCP server "my.srv" and tool "add" of MCP server "my_srv" left out: both would be "my_srv__add" (rename a server)',
    });
    // Every problem is one of these; none is about demo.v2, whose tools are all listed.
    expect(problems.flatMap((p) => p.servers).filter((s) => s === 'demo.v2')).toEqual([]);
  });

  it('documents both in the OpenAPI document', async () => {
    const doc = await (await runner.api('/api/openapi.json')).json();
    expect(doc.paths['/api/tools/problems'].get.responses['200']).toBeDefined();
    expect(doc.components.schemas.Tool.properties).toHaveProperty('mcp');
    expect(doc.components.schemas.ToolProblem.required).toEqual(['servers', 'message']);
  });
});
