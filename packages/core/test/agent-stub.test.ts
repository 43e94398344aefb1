import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { PipelineDocument } from '../src/schema/pipeline';
import { runPipeline } from '../src/engine/run-pipeline';
import type { RunEvent } from '../src/engine/events';
import { createServices, type WorkspaceServices } from '../src/node/services';
import { startOpenAIStub, type OpenAIStub, type StubReply, type StubRequest } from '../../../test/support/openai-stub';

/**
 * The agent node against a real OpenAI-compatible server (the stub) with the
 * workspace's real tools, wired by createServices exactly as `patchbay run` does.
 */

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function workspace(handler: (req: StubRequest) => StubReply, config: object = {}): Promise<{ stub: OpenAIStub; services: WorkspaceServices }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-agent-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'patchbay.config.json'), JSON.stringify(config));
  const stub = await startOpenAIStub({ handler });
  cleanups.push(() => stub.close());
  const services = await createServices({ dataDir: dir, env: { STUB_BASE_URL: stub.url } });
  cleanups.push(() => services.close());
  return { stub, services };
}

function agentPipeline(tools: string[], maxSteps = 4, extra: object = {}): PipelineDocument {
  return {
    format: 'patchbay.pipeline/v1',
    name: 'agent-stub',
    nodes: [
      { id: 'question', type: 'input', config: { name: 'question', valueType: 'string' } },
      { id: 'agent', type: 'agent', config: { model: 'stub:tool-model', system: 'Use tools.', prompt: '{{ question }}', tools, maxSteps, ...extra } },
      { id: 'answer', type: 'output', config: { name: 'answer' } },
    ],
    edges: [
      { from: 'question.value', to: 'agent.question' },
      { from: 'agent.text', to: 'answer.value' },
    ],
  } as PipelineDocument;
}

/** A custom JavaScript tool (run in the QuickJS sandbox), defined in the workspace config. */
const ADD_TOOL = {
  tools: {
    custom: [
      {
        name: 'add',
        description: 'Adds two numbers',
        parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
        code: 'if (args.a < 0) throw new Error("negative numbers are not supported"); return args.a + args.b;',
        timeoutMs: 10000,
      },
    ],
  },
};

const toolMessages = (req: StubRequest) => (req.body.messages as Array<{ role: string; content: string; tool_call_id?: string }>).filter((m) => m.role === 'tool');

describe('agent loop against an OpenAI-compatible server', () => {
  it('calls a tool, feeds the result back and returns the final text, with every call in the trace', async () => {
    const { stub, services } = await workspace((req) => {
      const results = toolMessages(req);
      if (!results.length) return { toolCalls: [{ name: 'add', arguments: { a: 2, b: 12 } }] };
      return { text: `The answer is ${results[0].content}.` };
    }, ADD_TOOL);
    const run = await runPipeline(agentPipeline(['add']), { question: 'What is 2 + 12?' }, { services });
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('succeeded');
    expect(run.outputs.answer).toBe('The answer is 14.');

    const [first, second] = stub.requests;
    expect(first.body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(['add']);
    const assistant = second.body.messages.find((m: { role: string }) => m.role === 'assistant');
    expect(assistant.tool_calls[0]).toMatchObject({ type: 'function', function: { name: 'add' } });
    expect(toolMessages(second)).toEqual([{ role: 'tool', content: '14', tool_call_id: assistant.tool_calls[0].id }]);

    const calls = run.nodes.agent.calls ?? [];
    expect(calls.map((c) => [c.kind, c.name])).toEqual([
      ['model', 'stub:tool-model'],
      ['tool', 'add'],
      ['model', 'stub:tool-model'],
    ]);
    expect(run.nodes.agent.usage?.totalTokens).toBeGreaterThan(0);
  });

  it("tells each of its node.token events the step it belongs to: the text written before a tool call is step 1's, the answer step 2's", async () => {
    const { services } = await workspace((req) => {
      const results = toolMessages(req);
      if (!results.length) return { text: 'Let me add. ', toolCalls: [{ name: 'add', arguments: { a: 2, b: 2 } }] };
      return { text: `It is ${results[0].content}.` };
    }, ADD_TOOL);
    const tokens: Extract<RunEvent, { type: 'node.token' }>[] = [];
    const run = await runPipeline(agentPipeline(['add']), { question: 'What is 2 + 2?' }, { services, onEvent: (e) => void (e.type === 'node.token' && tokens.push(e)) });
    expect(run.outputs.answer).toBe('It is 4.');
    const byStep = (step: number) => tokens.filter((t) => t.step === step).map((t) => t.text).join('');
    expect(tokens.map((t) => t.step).filter((step) => step !== 1 && step !== 2)).toEqual([]);
    expect([byStep(1), byStep(2)]).toEqual(['Let me add. ', 'It is 4.']);
  });

  it('runs several tool calls of one reply in parallel', async () => {
    // This server answers only when both requests are open at once: run one
    // after the other, the first would wait until the tool's timeout.
    const waiting: http.ServerResponse[] = [];
    const barrier = http.createServer((req, res) => {
      waiting.push(res);
      if (waiting.length === 2) for (const r of waiting.splice(0)) r.end(`both here (${req.url === '/a' ? 'a' : 'b'} last)`);
    });
    await new Promise<void>((resolve) => barrier.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => (barrier.closeAllConnections(), barrier.close(resolve))));
    const base = `http://127.0.0.1:${(barrier.address() as AddressInfo).port}`;

    const { stub, services } = await workspace(
      (req) =>
        toolMessages(req).length
          ? { text: toolMessages(req).map((m) => m.content).join(' | ') }
          : {
              toolCalls: [
                { name: 'http_request', arguments: { url: `${base}/a`, method: 'GET' } },
                { name: 'http_request', arguments: { url: `${base}/b`, method: 'GET' } },
              ],
            },
      { tools: { http: { allowHosts: ['127.0.0.1'], timeoutMs: 5000 } } },
    );
    const run = await runPipeline(agentPipeline(['http_request']), { question: 'fetch both' }, { services });
    expect(run.status).toBe('succeeded');
    const results = toolMessages(stub.requests[1]);
    expect(results).toHaveLength(2);
    for (const m of results) expect(m.content).toContain('both here');
  });

  it('runs at most maxParallelTools calls of one reply at once (a reply asking for 40 does not open 40 requests), results in order', async () => {
    let open = 0;
    let most = 0;
    // The first requests are held until `gather` are open (3 s at most, under the tool's timeoutMs): requests the
    // bound lets run together are then seen together however slowly a loaded machine sends them (a 30 ms answer
    // leaves little time); with fewer let through the hold ends short of `gather`.
    let gather = 8;
    let fallback: NodeJS.Timeout | undefined;
    const held: (() => void)[] = [];
    const release = () => {
      clearTimeout(fallback);
      fallback = undefined;
      gather = 0;
      for (const answer of held.splice(0)) answer();
    };
    const counter = http.createServer((req, res) => {
      most = Math.max(most, ++open);
      const answer = () =>
        setTimeout(() => {
          open--;
          res.end(`page ${req.url!.slice(1)}`);
        }, 30);
      if (gather === 0) return void answer();
      held.push(answer);
      if (open >= gather) release();
      else fallback ??= setTimeout(release, 3_000);
    });
    await new Promise<void>((resolve) => counter.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => (counter.closeAllConnections(), counter.close(resolve))));
    const base = `http://127.0.0.1:${(counter.address() as AddressInfo).port}`;
    const asked = Array.from({ length: 40 }, (_, i) => ({ name: 'http_request', arguments: { url: `${base}/${i}`, method: 'GET' } }));

    const { stub, services } = await workspace(
      (req) => (toolMessages(req).length ? { text: toolMessages(req).map((m) => m.content).join(',') } : { toolCalls: asked }),
      { tools: { http: { allowHosts: ['127.0.0.1'], timeoutMs: 5000 } } },
    );
    const run = await runPipeline(agentPipeline(['http_request']), { question: 'fetch them all' }, { services });
    expect(run.status).toBe('succeeded');
    expect(most).toBe(8); // the default
    const results = toolMessages(stub.requests[1]);
    expect(results.map((m) => m.content)).toEqual(asked.map((_, i) => expect.stringContaining(`page ${i}`)));

    most = 0;
    gather = 3;
    const narrow = await runPipeline(agentPipeline(['http_request'], 4, { maxParallelTools: 3 }), { question: 'again' }, { services });
    expect(narrow.status).toBe('succeeded');
    expect(most).toBe(3);
  });

  it('fails clearly at maxSteps when the model never stops calling tools', async () => {
    const { stub, services } = await workspace(() => ({ toolCalls: [{ name: 'add', arguments: { a: 1, b: 1 } }] }), ADD_TOOL);
    const run = await runPipeline(agentPipeline(['add'], 3), { question: 'loop forever' }, { services });
    expect(run.status).toBe('failed');
    expect(run.failedNode).toBe('agent');
    expect(run.error).toContain('agent stopped after 3 steps without an answer');
    expect(stub.requests).toHaveLength(3);
  });

  it('hands a failing tool call back to the model as an error it can answer from', async () => {
    const { stub, services } = await workspace((req) =>
      toolMessages(req).length
        ? { text: `Sorry: ${toolMessages(req)[0].content}` }
        : { toolCalls: [{ name: 'add', arguments: { a: -1, b: 2 } }] },
      ADD_TOOL,
    );
    const run = await runPipeline(agentPipeline(['add']), { question: 'break it' }, { services });
    expect(run.status).toBe('succeeded');
    expect(toolMessages(stub.requests[1])[0].content).toMatch(/^error: .*negative numbers are not supported/);
    expect(run.outputs.answer).toMatch(/^Sorry: error: .*negative numbers are not supported/);
    expect(run.nodes.agent.calls?.[1]).toMatchObject({ kind: 'tool', name: 'add', error: expect.stringContaining('negative numbers') });
  });

  it('cuts a huge tool result to maxToolResultChars before it enters the conversation, says so to the model and in the trace', async () => {
    // 300,000 characters from one call, asked for twice: every later request would carry all of them again.
    const BIG_TOOL = {
      tools: {
        custom: [{ name: 'dump', description: 'Returns a lot', parameters: { type: 'object', properties: {} }, code: 'return "ab".repeat(150000) + "END";', timeoutMs: 10000 }],
      },
    };
    const { stub, services } = await workspace((req) => {
      const results = toolMessages(req);
      if (results.length < 2) return { toolCalls: [{ name: 'dump', arguments: {} }] };
      return { text: 'done' };
    }, BIG_TOOL);
    const run = await runPipeline(agentPipeline(['dump']), { question: 'dump it' }, { services });
    expect(run.error).toBeUndefined();
    expect(run.outputs.answer).toBe('done');
    expect(stub.requests).toHaveLength(3);
    for (const req of stub.requests) expect(JSON.stringify(req.body).length).toBeLessThan(2 * 20_000 + 2_000);
    for (const message of toolMessages(stub.requests[2])) {
      expect(message.content.startsWith('ab'.repeat(10_000))).toBe(true);
      expect(message.content).not.toContain('END');
      expect(message.content).toContain('[tool result cut: the first 20000 of 300003 characters are shown; 280003 were left out (maxToolResultChars)]');
    }
    const toolCalls = (run.nodes.agent.calls ?? []).filter((c) => c.kind === 'tool');
    expect(toolCalls).toHaveLength(2);
    for (const call of toolCalls) expect(call.cut).toEqual({ totalChars: 300_003, sentChars: 20_000 });

    // A smaller bound in the node's config holds the same way; a result under it goes whole.
    const small = await runPipeline(agentPipeline(['dump'], 4, { maxToolResultChars: 1_000 }), { question: 'dump it' }, { services });
    expect(small.status).toBe('succeeded');
    expect(toolMessages(stub.requests[5])[0].content).toMatch(/^(ab){500}\n\n\[tool result cut: the first 1000 of 300003 characters are shown; 299003 were left out \(maxToolResultChars\)\]$/);
  });

  it('keeps steps and the trace to what the model was sent, so large tool results do not fail an agent that answered', async () => {
    // Three results of 4 MB each: whole in `steps` they pass the 10 MB output limit after the model has answered.
    const HUGE_TOOL = {
      tools: {
        custom: [{ name: 'dump', description: 'Returns 4 MB', parameters: { type: 'object', properties: {} }, code: 'return "x".repeat(4000000);', timeoutMs: 10000 }],
      },
    };
    const { services } = await workspace((req) => (toolMessages(req).length < 3 ? { toolCalls: [{ name: 'dump', arguments: {} }] } : { text: 'done' }), HUGE_TOOL);
    const run = await runPipeline(agentPipeline(['dump'], 5), { question: 'dump it' }, { services, maxOutputBytes: 10 * 1024 * 1024 });
    expect(run.error).toBeUndefined();
    expect(run.outputs.answer).toBe('done');
    const toolCalls = (run.nodes.agent.calls ?? []).filter((c) => c.kind === 'tool');
    expect(toolCalls).toHaveLength(3);
    for (const call of toolCalls) {
      expect(call.cut).toEqual({ totalChars: 4_000_000, sentChars: 20_000 });
      expect(call.output).toBe(`${'x'.repeat(20_000)}\n\n[tool result cut: the first 20000 of 4000000 characters are shown; 3980000 were left out (maxToolResultChars)]`);
    }
  });

  it("sends the model a note of an image's size and type rather than its base64, and keeps the note in steps", async () => {
    // 300 kB of PNG would be 400,000 characters of base64: 20,000 of them (maxToolResultChars) sent on every later step.
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(300_000, 7)]);
    const images = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => images.close(resolve)));
    const url = `http://127.0.0.1:${(images.address() as AddressInfo).port}/logo.png`;
    const { stub, services } = await workspace(
      (req) => (toolMessages(req).length ? { text: 'seen' } : { toolCalls: [{ name: 'http_request', arguments: { url, method: 'GET' } }] }),
      { tools: { http: { allowHosts: ['127.0.0.1'] } } },
    );
    const run = await runPipeline(agentPipeline(['http_request']), { question: 'fetch the logo' }, { services });
    expect(run.status).toBe('succeeded');
    const note = { status: 200, url, contentType: 'image/png', bodyEncoding: 'base64', bodyBytes: png.length, body: '[300008 bytes of image/png as base64: not shown to the model]' };
    expect(JSON.parse(toolMessages(stub.requests[1])[0].content)).toEqual(note);
    expect((run.nodes.agent.calls ?? []).find((c) => c.kind === 'tool')!.output).toEqual(note);
  });

  it('keeps a tool error as bounded in the trace as a run error, and tells the model the same', async () => {
    // 3 MB thrown by one call: the run's and the node's error kept 2,000 characters, the call's in the trace all 3 MB.
    const THROWING = {
      tools: { custom: [{ name: 'explode', description: 'Throws 3 MB', parameters: { type: 'object', properties: {} }, code: 'throw new Error("x".repeat(3000000))', timeoutMs: 10000 }] },
    };
    const { stub, services } = await workspace((req) => (toolMessages(req).length < 1 ? { toolCalls: [{ name: 'explode', arguments: {} }] } : { text: 'done' }), THROWING);
    const run = await runPipeline(agentPipeline(['explode']), { question: 'go' }, { services });
    expect(run.status).toBe('succeeded');
    const call = (run.nodes.agent.calls ?? []).find((c) => c.kind === 'tool')!;
    expect(call.error).toMatch(/^tool "explode": .*x{1000}… \(\d+ more characters\)$/);
    expect(call.error!.length).toBeLessThan(2100);
    expect(toolMessages(stub.requests[1])[0].content).toBe(`error: ${call.error}`);

    // A tool node's error is the call's, not cut a second time (which counted only the marker as left out).
    const node = await runPipeline(
      {
        format: 'patchbay.pipeline/v1',
        name: 'explode',
        nodes: [
          { id: 'a', type: 'input', config: { name: 'args', valueType: 'json' } },
          { id: 'call', type: 'tool', config: { tool: 'explode' } },
          { id: 'out', type: 'output', config: { name: 'result' } },
        ],
        edges: [
          { from: 'a.value', to: 'call.args' },
          { from: 'call.result', to: 'out.value' },
        ],
      } as PipelineDocument,
      { args: {} },
      { services },
    );
    expect(node.nodes.call.calls?.[0].error).toBe(call.error);
    expect(node.error).toBe(`node "call" failed: ${call.error}`);
    expect(node.error).toMatch(/… \(2998\d{3} more characters\)$/);
  });
});

describe('an MCP tool whose own name a model API would refuse', () => {
  const FIXTURE = fileURLToPath(new URL('./fixtures/mcp-server.mjs', import.meta.url));
  const config = { mcpServers: { 'demo.v2': { command: process.execPath, args: [FIXTURE] } } };

  it('is offered to the model by its listed function name, and the call the model makes by it reaches the real tool', async () => {
    const { stub, services } = await workspace((req) => {
      const results = toolMessages(req);
      if (!results.length) return { toolCalls: [{ name: 'demo_v2__get_weather', arguments: { city: 'Oslo' } }] };
      return { text: `It is ${results[0].content}.` };
    }, config);
    const run = await runPipeline(agentPipeline(['demo_v2__get_weather']), { question: 'Weather in Oslo?' }, { services });
    expect(run.error).toBeUndefined();
    expect(run.outputs.answer).toBe('It is sunny in Oslo.');
    expect(stub.requests[0].body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(['demo_v2__get_weather']);
  });

  it('is called by its listed, shortened name from a tool node', async () => {
    const { services } = await workspace(() => ({ text: 'unused' }), config);
    const long = (await services.tools.list()).find((t) => t.name.startsWith('demo_v2__report_'))!.name;
    expect(long).toMatch(/^[A-Za-z0-9_-]{64}$/);
    const document = {
      format: 'patchbay.pipeline/v1',
      name: 'long-tool',
      nodes: [
        { id: 'a', type: 'input', config: { name: 'args', valueType: 'json' } },
        { id: 'call', type: 'tool', config: { tool: long } },
        { id: 'out', type: 'output', config: { name: 'result' } },
      ],
      edges: [
        { from: 'a.value', to: 'call.args' },
        { from: 'call.result', to: 'out.value' },
      ],
    } as PipelineDocument;
    const run = await runPipeline(document, { args: {} }, { services });
    expect(run.error).toBeUndefined();
    expect(run.outputs.result).toBe('the long-named tool');
  });

  it('is refused, naming both servers, when two server names clean to the same prefix', async () => {
    const { stub, services } = await workspace(() => ({ text: 'unused' }), {
      mcpServers: { 'my.srv': { command: process.execPath, args: [FIXTURE] }, my_srv: { command: process.execPath, args: [FIXTURE] } },
    });
    const run = await runPipeline(agentPipeline(['my_srv__get_weather']), { question: 'Weather?' }, { services });
    expect(run.status).toBe('failed');
    expect(run.error).toContain('unknown tool "my_srv__get_weather"');
    expect(run.error).toContain('tool "get.weather" of MCP server "my.srv" and tool "get.weather" of MCP server "my_srv" left out: both would be "my_srv__get_weather"');
    expect(stub.requests).toHaveLength(0);
  });
});
