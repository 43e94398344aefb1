// How an MCP server's error of many lines reads where a user meets it: the run's error over HTTP, the call in
// its trace, and `patchbay run`'s last line; and how long a tool node waits for an MCP tool.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, pipelineDoc, runCli, workspace } from './cli-child';
import { startTestRunner, waitForRun, type TestRunner } from './support/test-runner';

const FIXTURE = fileURLToPath(new URL('../../../packages/core/test/fixtures/mcp-server.mjs', import.meta.url));
const REASON = 'ValueError: the city "Atlantis" is not on the map';
/** args → a `tool` node (id `call`) calling one of the fixture's tools → result. */
const toolPipeline = (name: string, tool: string) =>
  pipelineDoc(
    name,
    [
      { id: 'a', type: 'input', config: { name: 'args', valueType: 'json' } },
      { id: 'call', type: 'tool', config: { tool } },
      { id: 'out', type: 'output', config: { name: 'result' } },
    ],
    ['a.value -> call.args', 'call.result -> out.value'],
  );
// The fixture's `traceback` tool answers isError with a coloured 30 KB Python traceback, its reason on the last line.
const document = toolPipeline('trace', 'traceback');

let ws: ReturnType<typeof workspace>;
let runner: TestRunner;
beforeAll(async () => {
  ws = workspace({ 'patchbay.config.json': { mcpServers: { demo: { command: process.execPath, args: [FIXTURE] } } }, 'trace.json': document });
  runner = await startTestRunner({ configPath: path.join(ws.dir, 'patchbay.config.json') });
});
afterAll(async () => {
  await runner.close();
  ws.remove();
});

describe("an MCP tool's error of many lines", () => {
  it("is the run's error over HTTP with its start and its reason, and the call's error in the trace the same", async () => {
    const created = await runner.post('/api/runs', { document, inputs: { args: {} } });
    expect(created.status).toBe(201);
    const run = await waitForRun(runner, (await created.json()).id);
    expect(run.status).toBe('failed');
    // Before, the run kept the first 2,000 of 30,000 characters: frames, then "… (28… more characters)", no reason.
    expect(run.error).toMatch(/^node "call" failed: tool "traceback": Error executing tool traceback:\nTraceback \(most recent call last\):\n/);
    expect(run.error.endsWith(`\n${REASON}`)).toBe(true);
    expect(run.error).not.toMatch(/more characters\)$|[\r\x1b]/);
    const call = run.nodes.call.calls[0];
    expect(call.error.length).toBeLessThan(1500);
    expect(call.error.endsWith(REASON)).toBe(true);
  });

  it('reads as one line ending with the reason in patchbay run', async () => {
    const result = await runCli(['run', 'trace.json', '--inputs', '{"args": {}}', '--data', ws.dir], ws.dir, cleanEnv());
    expect(result.code).toBe(1);
    const last = result.stderr.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(/^patchbay run: node "call" failed: tool "traceback": Error executing tool traceback:\\nTraceback/);
    expect(last.endsWith(`\\n${REASON}`)).toBe(true);
  });
});

describe("an MCP tool that takes longer than the SDK's 60 s request timeout", () => {
  it("is waited for until the node's own timeoutMs", async () => {
    const slow = toolPipeline('slow', 'slow');
    (slow.nodes as Array<Record<string, unknown>>)[1].timeoutMs = 120_000;
    const created = await runner.post('/api/runs', { document: slow, inputs: { args: { ms: 62_000 } } });
    expect(created.status).toBe(201);
    // Before, the call failed at 60 s (`MCP error -32001: Request timed out`) whatever the node allowed.
    const run = await waitForRun(runner, (await created.json()).id, 100_000);
    expect(run.status).toBe('succeeded');
    expect(run.outputs).toEqual({ result: 'done' });
  }, 110_000);
});
