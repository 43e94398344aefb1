// In-memory retrieval and tool services and a real NodeContext for the node tests.
// Models are the real offline provider; code runs in the real QuickJS sandbox.
import type { NodeContext, NodeReport } from '../../src/engine/context';
import type { Document, RetrievalMode, RetrievalService, ToolService, ToolSpec } from '../../src/engine/services';
import type { NodeDefinition } from '../../src/nodes/types';
import { createModelService, createOfflineProvider, createSandbox, createTemplateRenderer, type ScriptedRule } from '../../src/node/index';

export class MemoryRetrieval implements RetrievalService {
  searches: { index: string; query: string; topK: number; mode: RetrievalMode; embeddingModel?: string }[] = [];
  constructor(private readonly indexes: Record<string, { id: string; text: string }[]>) {}

  async search(index: string, query: string, options: { topK: number; mode: RetrievalMode; embeddingModel?: string }) {
    this.searches.push({ index, query, topK: options.topK, mode: options.mode, embeddingModel: options.embeddingModel });
    const docs = this.indexes[index];
    if (!docs) throw new Error(`no index named "${index}"`);
    const words = new Set(query.toLowerCase().split(/\W+/).filter(Boolean));
    return docs
      .map((d): Document => ({ ...d, score: d.text.toLowerCase().split(/\W+/).filter((w) => words.has(w)).length }))
      .filter((d) => d.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, options.topK);
  }
}

type ToolImpl = { spec: ToolSpec; run: (args: Record<string, unknown>, signal?: AbortSignal) => Promise<unknown> };

/** add, weather, fail and slow: enough to see arguments, results, errors and parallel calls. */
export class MemoryTools implements ToolService {
  calls: { name: string; args: unknown }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly tools: Record<string, ToolImpl> = {
    add: {
      spec: spec('add', 'Adds two numbers', { a: { type: 'number' }, b: { type: 'number' } }, ['a', 'b']),
      run: async ({ a, b }) => (a as number) + (b as number),
    },
    weather: {
      spec: spec('weather', 'Forecast for a city', { city: { type: 'string' } }, ['city']),
      run: async ({ city }) => ({ city, forecast: city === 'Oslo' ? 'snow' : 'sun' }),
    },
    fail: {
      spec: spec('fail', 'Always fails', {}, []),
      run: async () => {
        throw new Error('upstream unavailable');
      },
    },
    slow: {
      spec: spec('slow', 'Waits a little, then echoes its label', { label: { type: 'string' } }, ['label']),
      run: (args, signal) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => resolve(`done ${args.label}`), 30);
          signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
        }),
    },
  };

  async list() {
    return Object.values(this.tools).map((t) => t.spec);
  }
  async describe(name: string) {
    return this.tools[name]?.spec;
  }
  async call(name: string, args: unknown, options?: { signal?: AbortSignal }) {
    this.calls.push({ name, args });
    const tool = this.tools[name];
    if (!tool) throw new Error(`unknown tool "${name}"`);
    if (!args || typeof args !== 'object' || Array.isArray(args)) throw new Error(`${name}: arguments must be an object`);
    const missing = (tool.spec.parameters.required as string[]).filter((key) => !(key in args));
    if (missing.length) throw new Error(`${name}: missing argument ${missing.join(', ')}`);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await tool.run(args as Record<string, unknown>, options?.signal);
    } finally {
      this.inFlight--;
    }
  }
}

function spec(name: string, description: string, properties: Record<string, unknown>, required: string[]): ToolSpec {
  return { name, description, parameters: { type: 'object', properties, required } };
}

export interface TestContext extends NodeContext {
  tokens: string[];
  reports: NodeReport[];
  retrieval: MemoryRetrieval;
  tools: MemoryTools;
  abort(): void;
}

/** A NodeContext over real offline models, the real sandbox and template worker threads, recording tokens and reports. */
export function testContext(options: { scripted?: ScriptedRule[]; indexes?: Record<string, { id: string; text: string }[]> } = {}): TestContext {
  const controller = new AbortController();
  const tokens: string[] = [];
  const reports: NodeReport[] = [];
  return {
    runId: 'run-test',
    nodeId: 'node-test',
    pipelineInputs: {},
    signal: controller.signal,
    models: createModelService({ offline: createOfflineProvider({ scripted: options.scripted }) }),
    retrieval: new MemoryRetrieval(options.indexes ?? {}),
    tools: new MemoryTools(),
    sandbox: sharedSandbox,
    templates: sharedTemplates,
    pipelines: { resolve: async () => ({ error: 'no pipeline store in this test' }), get: () => undefined, run: () => Promise.reject(new Error('no pipeline store in this test')) },
    emit: (event) => tokens.push(event.text),
    report: (report) => reports.push(report),
    tokens,
    reports,
    abort: () => controller.abort(new Error('cancelled by the test')),
  };
}

const sharedSandbox = createSandbox();
const sharedTemplates = createTemplateRenderer();

/** Parses the config the way the engine does (defaults applied), then runs the node. */
export async function runNode<C>(def: NodeDefinition<C>, config: unknown, inputs: Record<string, unknown>, ctx: NodeContext) {
  return def.run(inputs, def.configSchema.parse(config), ctx);
}

/** The config after parsing, for ports() and check(). */
export function parsed<C>(def: NodeDefinition<C>, config: unknown): C {
  return def.configSchema.parse(config);
}
