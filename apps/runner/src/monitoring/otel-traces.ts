import type { CallRecord, NodeTrace } from '@patchbay/core';
import { loggedExporter } from './otlp-export-log';
import type { FinishedRunFacts } from './run-facts';

/** Exports finished runs as OpenTelemetry traces; made only when an OTLP endpoint is configured. */
export interface RunTraceExporter {
  exportRun(run: FinishedRunFacts): void;
  shutdown(): Promise<void>;
}

/** An OTLP endpoint variable that holds no http(s) URL: the runner does not start (every trace would be dropped). */
export class OtlpEndpointError extends Error {
  override name = 'OtlpEndpointError';
}

/** The OTLP/HTTP traces URL the standard variables name, or null when none is set. Throws OtlpEndpointError for one that is no http(s) URL. */
export function otlpTracesUrl(env: NodeJS.ProcessEnv): string | null {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return httpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces);
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', base).replace(/\/+$/, '')}/v1/traces` : null;
}

/** `value` when it is an http(s) URL. "localhost:4318" parses as a URL of scheme "localhost:", hence the scheme check. */
function httpUrl(variable: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url && (url.protocol === 'http:' || url.protocol === 'https:')) return value;
  const shown = value.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  throw new OtlpEndpointError(`${variable} must be an http(s) URL (http://collector:4318), got "${shown}"`);
}

/**
 * Loads the OpenTelemetry SDK and an OTLP/HTTP exporter only when an endpoint is
 * set (no endpoint: nothing is imported, nothing is paid). Spans are built from
 * the finished run's trace with its recorded times: `patchbay.run`, a child per
 * node, and for agents a child per model or tool call. Model spans follow the
 * GenAI semantic conventions; message content only with
 * OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true, masked by `redact`.
 * A batch that cannot be sent is logged once per outage (`log`).
 */
export async function createRunTraceExporter(env: NodeJS.ProcessEnv, redact: (text: string) => string, log: (line: string) => void = () => {}): Promise<RunTraceExporter | null> {
  const url = otlpTracesUrl(env);
  if (!url) return null;
  const [{ BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, { W3CTraceContextPropagator }, api] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
    import('@opentelemetry/api'),
  ]);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || 'patchbay' }),
    spanProcessors: [new BatchSpanProcessor(loggedExporter(new OTLPTraceExporter({ url }), url, log), { scheduledDelayMillis: 500 })],
  });
  const tracer = provider.getTracer('patchbay');
  const propagator = new W3CTraceContextPropagator();
  const captureContent = env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT === 'true';
  const { SpanStatusCode, SpanKind, ROOT_CONTEXT, defaultTextMapGetter, trace } = api;
  type Span = ReturnType<typeof tracer.startSpan>;
  type Attributes = Record<string, string | number | boolean>;

  const fail = (span: Span, error: string | undefined | null) => {
    if (!error) return;
    const message = redact(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    span.setAttribute('error.type', 'patchbay.node_error');
  };
  const content = (value: unknown) => redact(typeof value === 'string' ? value : JSON.stringify(value) ?? '');
  const splitModel = (model: string) => {
    const colon = model.indexOf(':');
    return colon < 0 ? { provider: model, name: model } : { provider: model.slice(0, colon), name: model.slice(colon + 1) };
  };

  function modelAttributes(operation: string, model: string, usage: NodeTrace['usage']): Attributes {
    const { provider, name } = splitModel(model);
    const attrs: Attributes = {
      'gen_ai.operation.name': operation,
      'gen_ai.provider.name': provider,
      'gen_ai.request.model': name,
      'gen_ai.response.model': name,
    };
    if (usage) {
      attrs['gen_ai.usage.input_tokens'] = usage.promptTokens;
      attrs['gen_ai.usage.output_tokens'] = usage.completionTokens;
    }
    return attrs;
  }

  function callSpan(parent: Span, call: CallRecord, start: number, fallbackModel: string | undefined) {
    const ctx = trace.setSpan(ROOT_CONTEXT, parent);
    const model = call.kind === 'model' ? call.name || fallbackModel || '' : '';
    const attributes: Attributes =
      call.kind === 'model'
        ? modelAttributes('chat', model, call.usage)
        : { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': call.name };
    if (captureContent && call.kind === 'model') {
      if (call.input !== undefined) attributes['gen_ai.input.messages'] = content(call.input);
      if (call.output !== undefined) attributes['gen_ai.output.messages'] = content(call.output);
    } else if (captureContent) {
      if (call.input !== undefined) attributes['gen_ai.tool.call.arguments'] = content(call.input);
      if (call.output !== undefined) attributes['gen_ai.tool.call.result'] = content(call.output);
    }
    const name = call.kind === 'model' ? `chat ${splitModel(model).name}` : `execute_tool ${call.name}`;
    const span = tracer.startSpan(name, { kind: call.kind === 'model' ? SpanKind.CLIENT : SpanKind.INTERNAL, startTime: start, attributes }, ctx);
    fail(span, call.error);
    span.end(start + call.durationMs);
  }

  function nodeSpan(runSpan: Span, node: NodeTrace, runStart: number) {
    const start = node.startedAt ?? runStart;
    const ctx = trace.setSpan(ROOT_CONTEXT, runSpan);
    const attributes: Attributes = { 'patchbay.node.id': node.id, 'patchbay.node.type': node.type, 'patchbay.node.attempts': node.attempts };
    let name = `patchbay.node ${node.id}`;
    const calls = node.calls ?? [];
    if (node.model && node.type !== 'agent') {
      const operation = node.type === 'retrieve' ? 'embeddings' : 'chat';
      Object.assign(attributes, modelAttributes(operation, node.model, node.usage));
      name = `${operation} ${splitModel(node.model).name}`;
      if (captureContent) {
        const call = calls.find((c) => c.kind === 'model');
        if (call?.input !== undefined || node.inputs) attributes['gen_ai.input.messages'] = content(call?.input ?? node.inputs);
        if (call?.output !== undefined || node.outputs) attributes['gen_ai.output.messages'] = content(call?.output ?? node.outputs);
      }
    } else if (node.type === 'agent') {
      attributes['gen_ai.operation.name'] = 'invoke_agent';
      if (node.model) attributes['gen_ai.request.model'] = splitModel(node.model).name;
      if (node.usage) {
        attributes['gen_ai.usage.input_tokens'] = node.usage.promptTokens;
        attributes['gen_ai.usage.output_tokens'] = node.usage.completionTokens;
      }
      name = `invoke_agent ${node.id}`;
    } else if (node.type === 'tool' && calls[0]?.kind === 'tool') {
      attributes['gen_ai.operation.name'] = 'execute_tool';
      attributes['gen_ai.tool.name'] = calls[0].name;
      name = `execute_tool ${calls[0].name}`;
    }
    const span = tracer.startSpan(name, { startTime: start, attributes }, ctx);
    fail(span, node.error);
    if (node.type === 'agent') {
      let at = start;
      for (const call of calls) {
        callSpan(span, call, at, node.model);
        at += call.durationMs;
      }
    }
    span.end(start + (node.durationMs ?? 0));
  }

  return {
    exportRun(run) {
      const parent = run.traceparent ? propagator.extract(ROOT_CONTEXT, { traceparent: run.traceparent }, defaultTextMapGetter) : ROOT_CONTEXT;
      const attributes: Attributes = { 'patchbay.run.id': run.id, 'patchbay.run.status': run.status };
      if (run.pipeline) attributes['patchbay.pipeline'] = run.pipeline;
      if (run.version) attributes['patchbay.version'] = run.version;
      if (run.label) attributes['patchbay.label'] = run.label;
      if (run.source) attributes['patchbay.source'] = run.source;
      const span = tracer.startSpan('patchbay.run', { kind: SpanKind.SERVER, startTime: run.startedAt, attributes }, parent);
      fail(span, run.error);
      for (const id in run.nodes) {
        const node = run.nodes[id];
        if (node.status === 'succeeded' || node.status === 'failed') nodeSpan(span, node, run.startedAt);
      }
      span.end(run.startedAt + run.durationMs);
    },
    async shutdown() {
      await provider.shutdown();
    },
  };
}
