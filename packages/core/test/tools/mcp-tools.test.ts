import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox } from '../../src/node/tools/sandbox';
import { createToolService, type WorkspaceToolService } from '../../src/node/tools/tool-service';

const FIXTURE = fileURLToPath(new URL('../fixtures/mcp-server.mjs', import.meta.url));
let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'patchbay-mcp-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('MCP tools over stdio', () => {
  let tools: WorkspaceToolService;
  beforeAll(() => {
    tools = createToolService({
      dataDir,
      sandbox: createSandbox(),
      env: { TEST_GREETING: 'hello from the environment' },
      config: {
        mcpServers: {
          demo: { command: process.execPath, args: [FIXTURE], env: { GREETING: '${TEST_GREETING}' } },
        },
      },
    });
  });
  afterAll(() => tools.close());

  it('offers every tool of the server beside the built-ins, prefixing only a clashing name', async () => {
    const specs = await tools.list();
    const names = specs.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['calculator', 'http_request', 'add', 'shout', 'greeting', 'fail', 'demo__calculator']));
    expect(specs.find((s) => s.name === 'add')).toMatchObject({
      description: 'Adds two numbers',
      parameters: { type: 'object', required: ['a', 'b'] },
    });
  });

  it('calls a tool: structured results as JSON, text results as text', async () => {
    expect(await tools.call('add', { a: 2, b: 40 })).toEqual({ sum: 42 });
    expect(await tools.call('shout', '{"text": "quiet"}')).toBe('QUIET');
    expect(await tools.call('demo__calculator', {})).toBe('fixture calculator');
    expect(await tools.call('calculator', { expression: '6 * 7' })).toBe(42);
  });

  it('passes ${NAME} env references from the environment, not the config text', async () => {
    expect(await tools.call('greeting', {})).toBe('hello from the environment');
  });

  it('validates arguments against the server schema before calling, and reports server errors by tool', async () => {
    await expect(tools.call('add', { a: 'two', b: 1 })).rejects.toThrow('tool "add": invalid arguments: /a must be number');
    await expect(tools.call('fail', {})).rejects.toThrow('tool "fail": the fixture refuses');
    await expect(tools.call('missing', {})).rejects.toThrow(/^unknown tool "missing"; tools: calculator, http_request, .*add/);
  });

  it("keeps a server's long error of many lines readable and bounded: its start and its end (a traceback's reason), no colour codes", async () => {
    const error = (await tools.call('traceback', {}).catch((e: Error) => e.message)) as string;
    const lines = error.split('\n');
    expect(lines.slice(0, 3)).toEqual(['tool "traceback": Error executing tool traceback:', 'Traceback (most recent call last):', '  File "/srv/app/step0.py", line 1, in step0']);
    expect(lines.at(-1)).toBe('ValueError: the city "Atlantis" is not on the map');
    expect(error).toMatch(/\n… \d+ lines \(\d+ characters\) left out …\n/);
    expect(error).not.toMatch(/[\r\x1b]/);
    expect(error).not.toContain('\n\n');
    // Below the 2,000 characters a run keeps of an error, so the run's error still ends with the reason.
    expect(error.length).toBeLessThan(1500);
  });
});

describe('an MCP server that stops', () => {
  let tools: WorkspaceToolService;
  beforeAll(() => {
    tools = createToolService({ dataDir, sandbox: createSandbox(), env: {}, config: { mcpServers: { demo: { command: process.execPath, args: [FIXTURE] } } } });
  });
  afterAll(() => tools.close());

  it('says why the call failed (its stderr), and starts the server again on the next call', async () => {
    await expect(tools.call('crash', {})).rejects.toThrow(/^tool "crash": MCP server "demo" stopped: it exited with code 3 \(stderr: fixture crashing on purpose\); it is started again on the next call$/);
    expect(await tools.call('add', { a: 1, b: 2 })).toEqual({ sum: 3 });
  });

  it('says a server that floods its output was cut off, and starts it again', async () => {
    await expect(tools.call('flood', {})).rejects.toThrow('tool "flood": MCP server "demo" stopped: it wrote more than 10485760 bytes on stdout without a line break; it is started again on the next call');
    expect(await tools.call('add', { a: 2, b: 2 })).toEqual({ sum: 4 });
  });
});

describe('a stdio MCP server that goes wrong at the start', () => {
  const node = (code: string) => ({ command: process.execPath, args: ['-e', code] });
  it('says promptly how it exited, with the end of its stderr, or what it wrote that is not JSON-RPC', async () => {
    const tools = createToolService({
      dataDir,
      sandbox: createSandbox(),
      config: {
        mcpServers: {
          exits: node('console.error("Traceback (most recent call last):\\n  File \\"server.py\\", line 1\\nModuleNotFoundError: No module named \'mcp\'\\n"); process.exit(3)'),
          silent: node('process.exit(1)'),
          usage: node('console.log("usage: server [--port PORT]"); process.exit(0)'),
          web: node('console.log("\\x1b[32mListening on http://localhost:3000\\x1b[0m " + "x".repeat(200)); setInterval(() => {}, 1000)'),
          json: node('console.log(JSON.stringify({ level: "info", msg: "starting" })); setInterval(() => {}, 1000)'),
          banner: { command: process.execPath, args: [FIXTURE, '--banner'] },
        },
      },
    });
    try {
      const started = Date.now();
      const problems = (await tools.problems!()).map((p) => p.message);
      // Before, `web` and `json` held the listing for the 30 s connect timeout: now 5 s after their first line.
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(problems).toEqual([
        'MCP server "exits" is unavailable: it exited with code 3 (stderr: Traceback (most recent call last): | File "server.py", line 1 | ModuleNotFoundError: No module named \'mcp\')',
        'MCP server "silent" is unavailable: it exited with code 1 (nothing on stderr)',
        'MCP server "usage" is unavailable: it exited with code 0; it wrote "usage: server [--port PORT]" on stdout, which is not JSON-RPC (nothing on stderr)',
        `MCP server "web" is unavailable: it wrote "Listening on http://localhost:3000 ${'x'.repeat(44)}…" on stdout, which is not JSON-RPC, and no MCP message in 5 s: is it an MCP server over stdio?`,
        'MCP server "json" is unavailable: it wrote "{\\"level\\":\\"info\\",\\"msg\\":\\"starting\\"}" on stdout, which is not JSON-RPC, and no MCP message in 5 s: is it an MCP server over stdio?',
      ]);
      // A banner before it speaks MCP is noise: the server works.
      expect(await tools.call('shout', { text: 'after a banner' })).toBe('AFTER A BANNER');
    } finally {
      await tools.close();
    }
  }, 30_000);
});

describe('an MCP server that failed to start, beside one that works', () => {
  it("is not started again on every call of the other server's tools, and still says why it is unavailable", async () => {
    const starts = join(dataDir, 'broken-starts.txt');
    const tools = createToolService({
      dataDir,
      sandbox: createSandbox(),
      config: {
        mcpServers: {
          demo: { command: process.execPath, args: [FIXTURE] },
          broken: { command: process.execPath, args: ['-e', `require("fs").appendFileSync(${JSON.stringify(starts)}, "start\\n"); console.error("no licence"); process.exit(1)`] },
        },
      },
    });
    try {
      // Every call of `add` waits for every server's list (a name depends on all of them): before, each one
      // started `broken` again and waited for it, so a server that takes 5 s to fail slowed every call by 5 s.
      for (let i = 0; i < 3; i++) expect(await tools.call('add', { a: i, b: 1 })).toEqual({ sum: i + 1 });
      expect((await tools.problems!()).map((p) => p.message)).toEqual(['MCP server "broken" is unavailable: it exited with code 1 (stderr: no licence)']);
      expect(readFileSync(starts, 'utf8')).toBe('start\n');
    } finally {
      await tools.close();
    }
  });
});

describe('an MCP server listing one tool that does not fit the MCP schema', () => {
  it('leaves out that tool, saying why, and offers the others', async () => {
    const tools = createToolService({ dataDir, sandbox: createSandbox(), config: { mcpServers: { loose: { command: process.execPath, args: [FIXTURE, '--bad-schema'] } } } });
    try {
      // Before: the SDK refused the whole list, so the server was unavailable, all its tools with it.
      expect(await tools.problems!()).toEqual([
        { servers: ['loose'], name: 'loose', message: 'tool "loose" of MCP server "loose" left out: it does not fit the MCP schema (inputSchema.type: Invalid input: expected "object")' },
      ]);
      const names = (await tools.list()).map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['add', 'shout']));
      expect(names).not.toContain('loose');
      expect(await tools.call('add', { a: 20, b: 22 })).toEqual({ sum: 42 });
    } finally {
      await tools.close();
    }
  });
});

// fetch refuses a URL with credentials, so a url with user:password@ never connected: they go as Basic auth instead.
describe('an MCP server whose tool list never ends', () => {
  it('is unavailable past 1,000 tools, saying so, and the other tools keep working', async () => {
    const tools = createToolService({
      dataDir,
      sandbox: createSandbox(),
      config: { mcpServers: { endless: { command: process.execPath, args: [FIXTURE, '--endless-list'] } } },
    });
    try {
      // Before, the listing followed the server's cursor for ever, holding the call and growing the runner's memory (613 MB in 10 s).
      const error = await tools.call('page0_tool0', {}).catch((e: Error) => e.message);
      expect(error).toMatch(/^unknown tool "page0_tool0"; tools: calculator, http_request \(MCP server "endless" is unavailable: it lists more than 1000 tools\)$/);
      expect((await tools.list()).map((s) => s.name)).toEqual(['calculator', 'http_request']);
      expect(await tools.call('calculator', { expression: '2 * 3' })).toBe(6);
    } finally {
      await tools.close();
    }
  }, 30_000);
});

describe('an MCP server behind Basic auth, its credentials in the url', () => {
  const PASSWORD = 'pw-0123456789 abc%';
  let server: ChildProcess;
  let port: string;
  beforeAll(async () => {
    server = spawn(process.execPath, [FIXTURE, '--http'], { env: { ...process.env, REQUIRE_BASIC: `agent:${PASSWORD}` }, stdio: ['ignore', 'pipe', 'inherit'] });
    port = await new Promise<string>((resolve, reject) => {
      server.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
      server.stdout!.on('data', (chunk: Buffer) => {
        const m = /listening (\d+)/.exec(chunk.toString());
        if (m) resolve(m[1]);
      });
    });
  });
  afterAll(() => {
    server.kill();
  });

  it('connects with them as an Authorization: Basic header and calls a tool; a wrong password is refused', async () => {
    const withPassword = (password: string) =>
      createToolService({ dataDir, sandbox: createSandbox(), env: {}, config: { mcpServers: { remote: { url: `http://agent:${encodeURIComponent(password)}@127.0.0.1:${port}/mcp` } } } });
    const tools = withPassword(PASSWORD);
    try {
      expect(await tools.call('shout', { text: 'behind basic auth' })).toBe('BEHIND BASIC AUTH');
    } finally {
      await tools.close();
    }
    const wrong = withPassword('not-the-password');
    try {
      const error = await wrong.call('shout', { text: 'x' }).catch((e: Error) => e.message);
      expect(error).toMatch(/MCP server "remote" is unavailable: .*unauthorized/);
      expect(error).not.toContain('not-the-password');
    } finally {
      await wrong.close();
    }
  });
});

describe('an MCP server over HTTP whose answer never ends', () => {
  let server: ChildProcess;
  let url: string;
  beforeAll(async () => {
    server = spawn(process.execPath, [fileURLToPath(new URL('../fixtures/mcp-endless-answer.mjs', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
    url = await new Promise<string>((resolve, reject) => {
      server.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
      server.stdout!.on('data', (chunk: Buffer) => {
        const m = /listening (\d+)/.exec(chunk.toString());
        if (m) resolve(`http://127.0.0.1:${m[1]}/mcp`);
      });
    });
  });
  afterAll(() => server.kill());

  it('fails the call once the answer passes 10 MB, as over stdio, and connects again on the next call', async () => {
    const tools = createToolService({ dataDir, sandbox: createSandbox(), env: {}, config: { mcpServers: { remote: { url } } } });
    try {
      // Before, the runner read on (50 MB a second here) until the SDK's 60 s request timeout.
      const started = Date.now();
      const error = await tools.call('endless', {}).catch((e: Error) => e.message);
      expect(error).toBe('tool "endless": MCP server "remote" stopped: it sent an answer over 10485760 bytes; it is started again on the next call');
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await tools.call('endless', {}).catch((e: Error) => e.message)).toBe(error);
    } finally {
      await tools.close();
    }
  }, 20_000);
});

describe('MCP tools over streamable HTTP', () => {
  let server: ChildProcess;
  let url: string;
  beforeAll(async () => {
    server = spawn(process.execPath, [FIXTURE, '--http'], { env: { ...process.env, REQUIRE_TOKEN: 's3cret' }, stdio: ['ignore', 'pipe', 'inherit'] });
    url = await new Promise<string>((resolve, reject) => {
      server.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
      server.stdout!.on('data', (chunk: Buffer) => {
        const m = /listening (\d+)/.exec(chunk.toString());
        if (m) resolve(`http://127.0.0.1:${m[1]}/mcp`);
      });
    });
  });
  afterAll(() => {
    server.kill();
  });

  it('connects with headers read from the environment and calls a tool', async () => {
    const tools = createToolService({
      dataDir,
      sandbox: createSandbox(),
      env: { FIXTURE_TOKEN: 's3cret' },
      config: { mcpServers: { remote: { url, headers: { Authorization: 'Bearer ${FIXTURE_TOKEN}' } } } },
    });
    try {
      expect(await tools.call('shout', { text: 'over http' })).toBe('OVER HTTP');
    } finally {
      await tools.close();
    }
  });

  it('keeps local tools working and explains an unavailable server', async () => {
    // A port that was just free: nothing listens there.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const tools = createToolService({
      dataDir,
      sandbox: createSandbox(),
      env: {},
      config: {
        mcpServers: {
          remote: { url, headers: { Authorization: 'Bearer ${FIXTURE_TOKEN}' } },
          broken: { command: process.execPath, args: ['-e', 'console.error("cannot start: missing API key"); process.exit(3)'] },
          missing: { command: 'no-such-mcp-server-binary' },
          elsewhere: { command: process.execPath, args: [FIXTURE], cwd: 'no-such-folder' },
          refused: { url: `http://127.0.0.1:${freePort}/mcp` },
        },
      },
    });
    try {
      expect(await tools.call('calculator', { expression: '1 + 1' })).toBe(2);
      const error = await tools.call('shout', { text: 'x' }).catch((e: Error) => e.message);
      expect(error).toMatch(/^unknown tool "shout"/);
      expect(error).toContain('MCP server "remote" is unavailable: environment variable FIXTURE_TOKEN is not set');
      expect(error).toMatch(/MCP server "broken" is unavailable: .*cannot start: missing API key/);
      // Said once, and about what is wrong: not the node binary that exists, not a bare "fetch failed".
      expect(error).toContain('MCP server "missing" is unavailable: spawn no-such-mcp-server-binary ENOENT;');
      expect(error).toContain(`MCP server "elsewhere" is unavailable: its cwd ${join(dataDir, 'no-such-folder')} is not a folder;`);
      expect(error).toMatch(/MCP server "refused" is unavailable: fetch failed \(ECONNREFUSED\)(;|\)$)/);
    } finally {
      await tools.close();
    }
  });
});

describe('a url that is no MCP endpoint', () => {
  it('says so in one short line: a JSON answer that is not JSON-RPC, an error page of many lines', async () => {
    const page = `<!DOCTYPE html>\n<html>\n<head><title>500 Internal Server Error</title></head>\n<body>\n${'<p>details</p>\n'.repeat(500)}</body>\n</html>\n`;
    const web = http.createServer((req, res) => {
      if (req.url === '/status') res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok","version":"2.1"}');
      else res.writeHead(500, { 'content-type': 'text/html' }).end(page);
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    const tools = createToolService({ dataDir, sandbox: createSandbox(), config: { mcpServers: { status: { url: `${base}/status` }, page: { url: `${base}/page` } } } });
    try {
      const [status, error] = (await tools.problems!()).map((p) => p.message);
      // Before: a 4 KB zod issue dump over 170 lines; the whole page, its line breaks included.
      expect(status).toBe('MCP server "status" is unavailable: it answered "{\\"status\\":\\"ok\\",\\"version\\":\\"2.1\\"}", which is not JSON-RPC (is the url its MCP endpoint?)');
      expect(error).toMatch(/^MCP server "page" is unavailable: Streamable HTTP error: Error POSTing to endpoint: <!DOCTYPE html> \| <html> \| <head><title>500 Internal Server Error<\/title><\/head> \| <body> \| <p>details<\/p> \|.*…$/);
      expect(error).not.toContain('\n');
      expect(error.length).toBeLessThan(400);
    } finally {
      await tools.close();
      web.close();
    }
  });
});

describe('MCP tool names that would clash or that a model API refuses', () => {
  it('leaves out tools of servers whose names clean to the same prefix, naming both, and calls none of them', async () => {
    const tools = createToolService({
      dataDir,
      sandbox: createSandbox(),
      config: {
        tools: { custom: [{ name: 'solo__shout', description: 'a workspace tool', parameters: { type: 'object' }, code: 'return "custom"' }] },
        mcpServers: {
          'my.srv': { command: process.execPath, args: [FIXTURE] },
          my_srv: { command: process.execPath, args: [FIXTURE] },
          solo: { command: process.execPath, args: [FIXTURE] },
        },
      },
    });
    try {
      const names = (await tools.list()).map((s) => s.name);
      expect(names).not.toContain('my_srv__add');
      expect(names).not.toContain('add');
      const error = await tools.call('my_srv__add', { a: 1, b: 2 }).catch((e: Error) => e.message);
      expect(error).toMatch(/^unknown tool "my_srv__add"/);
      expect(error).toContain('tool "add" of MCP server "my.srv" and tool "add" of MCP server "my_srv" left out: both would be "my_srv__add"');
      // A prefixed name a workspace tool already has: the workspace tool keeps it.
      expect(await tools.call('solo__shout', {})).toBe('custom');
      expect(error).toContain('tool "shout" of MCP server "solo" left out: "solo__shout" is already a workspace tool');
    } finally {
      await tools.close();
    }
  });

  it('offers a tool a server lists twice once, and says why names of one server that clean alike are left out', async () => {
    const tools = createToolService({ dataDir, sandbox: createSandbox(), config: { mcpServers: { demo: { command: process.execPath, args: [FIXTURE, '--twice'] } } } });
    try {
      const names = (await tools.list()).map((s) => s.name);
      // Calling `shout` reaches the one server by the one name whichever listing is used: nothing to leave out.
      expect(names.filter((n) => /shout|a_b/.test(n))).toEqual(['shout']);
      expect(await tools.call('shout', { text: 'once' })).toBe('ONCE');
      expect(await tools.problems!()).toEqual([
        { servers: ['demo'], name: 'shout', message: 'MCP server "demo" lists tool "shout" 2 times; the first listing is offered' },
        { servers: ['demo'], name: 'demo__a_b', message: 'tools "a.b" and "a:b" of MCP server "demo" left out: both would be "demo__a_b", as a tool name holds only A-Z, a-z, 0-9, _ and -' },
      ]);
      expect(await tools.call('demo__a_b', {}).catch((e: Error) => e.message)).toContain('both would be "demo__a_b", as a tool name holds only');
    } finally {
      await tools.close();
    }
  });

  it('lists valid function names for a dotted or overlong tool name and calls the real tool with them', async () => {
    const tools = createToolService({ dataDir, sandbox: createSandbox(), config: { mcpServers: { 'demo.v2': { command: process.execPath, args: [FIXTURE] } } } });
    let long = '';
    try {
      const names = (await tools.list()).map((s) => s.name);
      for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      // Valid names stay as they were.
      expect(names).toEqual(expect.arrayContaining(['add', 'shout', 'demo_v2__calculator', 'demo_v2__get_weather']));
      long = names.find((n) => n.startsWith('demo_v2__report_'))!;
      expect(long).toMatch(/^demo_v2__report_x+_[0-9a-f]{8}$/);
      expect(long).toHaveLength(64);
      expect(await tools.call('demo_v2__get_weather', { city: 'Oslo' })).toBe('sunny in Oslo');
      expect(await tools.call(long, {})).toBe('the long-named tool');
    } finally {
      await tools.close();
    }
    // The same shortened name on every start: a saved pipeline's `tool` node keeps working.
    const again = createToolService({ dataDir, sandbox: createSandbox(), config: { mcpServers: { 'demo.v2': { command: process.execPath, args: [FIXTURE] } } } });
    try {
      expect(await again.call(long, {})).toBe('the long-named tool');
    } finally {
      await again.close();
    }
  });
});
