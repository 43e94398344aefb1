import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { BIN, cleanEnv, workspace } from './cli-child';
import { startTestRunner, type TestRunner } from './support/test-runner';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  status?: { code?: number; message?: string };
  attributes: { key: string; value: Record<string, unknown> }[];
}

/**
 * A local OTLP/HTTP receiver: collects every span exported to POST /v1/traces (JSON encoding) and counts the
 * exports. While `refusing` it answers each export 500, as a collector that is up but broken does: the exporter
 * gives that batch up at once (it retries only a refused connection, 429 and 502-504).
 */
async function startOtlpReceiver(port = 0) {
  const spans: OtlpSpan[] = [];
  const state = { refusing: false, exports: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        state.exports++;
        if (state.refusing) return void res.writeHead(500, { 'content-type': 'application/json' }).end('{}');
        const payload = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const rs of payload.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return Object.assign(state, { url: `http://127.0.0.1:${bound}`, port: bound, spans, close: () => new Promise((r) => server.close(r)) });
}

const attr = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
};

const SECRET = 'sk-live-abcdefghijklmnop';

/** input → llm (offline:echo) → tool (calculator) → output, and a failing transform beside it. */
const traced = {
  format: 'patchbay.pipeline/v1',
  name: 'traced',
  nodes: [
    { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
    { id: 'answer', type: 'llm', config: { model: 'offline:echo', prompt: 'Say {{ question }}' } },
    { id: 'calc', type: 'tool', config: { tool: 'calculator' } },
    { id: 'sum', type: 'transform', config: { expression: '{"expression": "2 + 3"}' } },
    { id: 'out', type: 'output', config: { name: 'answer' } },
    { id: 'n', type: 'output', config: { name: 'n' } },
  ],
  edges: [
    { from: 'q.value', to: 'answer.question' },
    { from: 'q.value', to: 'sum.value' },
    { from: 'sum.value', to: 'calc.args' },
    { from: 'answer.text', to: 'out.value' },
    { from: 'calc.result', to: 'n.value' },
  ],
};

async function waitForSpans(spans: OtlpSpan[], traceId: () => string | undefined, count: number) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const id = traceId();
    if (id && spans.filter((s) => s.traceId === id).length >= count) return spans.filter((s) => s.traceId === id);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no trace with ${count} spans arrived; got ${spans.map((s) => s.name).join(', ')}`);
}

describe('OpenTelemetry traces over OTLP/HTTP', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let runner: TestRunner;
  let capturing: TestRunner;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    runner = await startTestRunner({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    capturing = await startTestRunner({
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true', OPENAI_API_KEY: SECRET },
    });
    for (const r of [runner, capturing]) expect((await r.post('/api/pipelines', traced)).status).toBe(201);
  });
  afterAll(async () => {
    await runner.close();
    await capturing.close();
    await receiver.close();
  });

  it('exports a patchbay.run span with a child per node, GenAI attributes on the model call and the tool name, joined to the caller\'s traceparent', async () => {
    const callerTrace = '0af7651916cd43dd8448eb211c80319c';
    const callerSpan = 'b7ad6b7169203331';
    const res = await runner.post('/api/runs?stream=true', { pipeline: 'traced', inputs: { question: 'hello' } }, { traceparent: `00-${callerTrace}-${callerSpan}-01` });
    await res.text();
    const spans = await waitForSpans(receiver.spans, () => callerTrace, 6);
    const run = spans.find((s) => s.name === 'patchbay.run')!;
    expect(run.parentSpanId).toBe(callerSpan);
    expect(attr(run, 'patchbay.pipeline')).toBe('traced');
    expect(attr(run, 'patchbay.version')).toBe(1);
    const children = spans.filter((s) => s.parentSpanId === run.spanId);
    expect(children).toHaveLength(6);
    const chat = children.find((s) => s.name === 'chat echo')!;
    expect(attr(chat, 'gen_ai.operation.name')).toBe('chat');
    expect(attr(chat, 'gen_ai.provider.name')).toBe('offline');
    expect(attr(chat, 'gen_ai.request.model')).toBe('echo');
    expect(attr(chat, 'gen_ai.response.model')).toBe('echo');
    expect(attr(chat, 'gen_ai.input.messages')).toBeUndefined();
    const tool = children.find((s) => s.name === 'execute_tool calculator')!;
    expect(attr(tool, 'gen_ai.tool.name')).toBe('calculator');
    expect(attr(tool, 'patchbay.node.id')).toBe('calc');
  }, 40_000);

  it('sets the error status on a failed run and its node', async () => {
    const failing = { ...traced, name: 'traced-failing', nodes: traced.nodes.map((n) => (n.id === 'sum' ? { ...n, config: { expression: '$error("no sum today")' } } : n)) };
    expect((await runner.post('/api/pipelines', failing)).status).toBe(201);
    const started = await (await runner.post('/api/runs', { pipeline: 'traced-failing', inputs: { question: 'x' } })).json();
    let runSpan: OtlpSpan | undefined;
    const deadline = Date.now() + 20_000;
    while (!runSpan && Date.now() < deadline) {
      runSpan = receiver.spans.find((s) => s.name === 'patchbay.run' && attr(s, 'patchbay.run.id') === started.id);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(runSpan?.status?.code).toBe(2);
    const node = receiver.spans.find((s) => s.parentSpanId === runSpan!.spanId && attr(s, 'patchbay.node.id') === 'sum');
    expect(node?.status).toMatchObject({ code: 2, message: expect.stringContaining('no sum today') });
  }, 40_000);

  it('attaches message content only with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true, never a secret', async () => {
    const started = await (await capturing.post('/api/runs', { pipeline: 'traced', inputs: { question: `my key is ${SECRET}` } })).json();
    let chat: OtlpSpan | undefined;
    const deadline = Date.now() + 20_000;
    while (!chat && Date.now() < deadline) {
      const run = receiver.spans.find((s) => s.name === 'patchbay.run' && attr(s, 'patchbay.run.id') === started.id);
      chat = run && receiver.spans.find((s) => s.parentSpanId === run.spanId && s.name === 'chat echo');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(String(attr(chat!, 'gen_ai.output.messages'))).toContain('my key is [REDACTED]');
    expect(JSON.stringify(receiver.spans)).not.toContain(SECRET);
  }, 40_000);
});

describe('OpenTelemetry traces to a collector that is not there', () => {
  it('logs one line per outage, naming the endpoint and the reason, however many batches it drops, and one when traces get through again', async () => {
    const gone = await startOtlpReceiver();
    await gone.close(); // nothing listens on its port now
    const lines: string[] = [];
    const runner = await startTestRunner({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: gone.url }, quiet: false, log: (line) => lines.push(line) });
    let back: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;
    try {
      expect((await runner.post('/api/pipelines', traced)).status).toBe(201);
      const run = async () => (await runner.post('/api/runs?stream=true', { pipeline: 'traced', inputs: { question: 'hi' } })).text();
      const exportLines = () => lines.filter((l) => l.includes('/v1/traces'));
      /** Only a wait, against a hang (the exporter retries a refused batch for up to 10 s): what the lines say is asserted after it. */
      const until = async (done: () => boolean) => {
        const deadline = Date.now() + 30_000;
        while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      };
      // The exporter sends one batch at a time: once the collector has a run's batch, every batch before it was
      // answered and what its answer logs is logged. That, not a sleep, orders what this test reads.
      const exported = async () => {
        const before = back!.exports;
        await run();
        await until(() => back!.exports > before);
      };
      const failed = (reason: string) => expect.stringMatching(new RegExp(`^could not export traces to ${gone.url}/v1/traces: .*${reason}`));
      const again = `traces reach ${gone.url}/v1/traces again`;

      await run();
      await until(() => exportLines().length > 0);
      expect(exportLines()).toEqual([failed('ECONNREFUSED')]);
      // The collector comes up broken: the outage goes on, and two more batches are dropped without a line.
      back = await startOtlpReceiver(gone.port);
      back.refusing = true;
      await exported();
      await exported();
      // It answers again: one line, and none for the batches after it.
      back.refusing = false;
      await exported();
      await exported();
      // A second outage: one line again, then one when it is over.
      back.refusing = true;
      await exported();
      await exported();
      back.refusing = false;
      await exported();
      await until(() => exportLines().length >= 4);
      expect(exportLines()).toEqual([failed('ECONNREFUSED'), again, failed('Internal Server Error'), again]);
      expect(back.spans.length).toBeGreaterThan(0);
    } finally {
      await runner.close();
      await back?.close();
    }
  }, 90_000);
});

describe('an OTLP endpoint that is no http(s) URL', () => {
  it('stops patchbay serve at start with one line naming the variable (exit 2), rather than serving and dropping every trace', async () => {
    const ws = workspace({});
    try {
      const cases: Array<[Record<string, string>, RegExp]> = [
        // The usual slip: host and port without the scheme (the SDK took it, and failed every export).
        [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' }, /^patchbay serve: OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL \(http:\/\/collector:4318\), got "localhost:4318"$/],
        [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, /OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL .*got "not a url"$/],
        [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' }, /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http\(s\) URL/],
        [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector.internal:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://user:secret-pw@collector/v1/traces' }, /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT .*got "ftp:\/\/user:\*\*\*@collector\/v1\/traces"$/],
      ];
      for (const [env, reason] of cases) {
        // A serve that starts anyway is stopped after 20 s, not at the test's timeout.
        const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const child = execFile(process.execPath, [BIN, 'serve', '--port', '0', '--no-demo'], { cwd: ws.dir, env: cleanEnv(env), timeout: 20_000 }, (_err, _stdout, stderr) =>
            resolve({ code: child.exitCode, stderr }),
          );
        });
        const what = `${JSON.stringify(env)}: ${result.stderr}`;
        expect(result.code, what).toBe(2);
        expect(result.stderr.trim().split('\n'), what).toHaveLength(1);
        expect(result.stderr.trim(), what).toMatch(reason);
        expect(result.stderr, what).not.toContain('secret-pw');
      }
    } finally {
      ws.remove();
    }
  }, 120_000);
});
