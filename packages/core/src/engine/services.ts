import type { PipelineResolver } from '../compose/pipeline-ref';

/**
 * The services a node reaches through its run context. Implementations live in
 * `@patchbay/core/node` (providers, retrieval, tools, sandbox); tests and the
 * browser may pass their own.
 */

export interface Document {
  id: string;
  text: string;
  score: number;
  source?: string;
  metadata?: Record<string, unknown>;
}

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as the model sent them: a JSON string. */
  arguments: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  toolCalls?: ToolCall[];
  toolCallId?: string;
}

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments object: what a function-calling model sees. */
  parameters: Record<string, unknown>;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface ChatRequest {
  /** `<provider>:<model>`, e.g. `offline:echo` or `fireworks:accounts/fireworks/models/...`. */
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  stop?: string[];
  /** Structured output: the reply must be JSON fitting this schema. */
  jsonSchema?: Record<string, unknown>;
  tools?: ToolSpec[];
}

export interface ChatOptions {
  signal?: AbortSignal;
  /** Called with each streamed text delta. */
  onToken?: (delta: string) => void;
}

export interface ChatResult {
  text: string;
  toolCalls: ToolCall[];
  usage: Usage | null;
  /** USD; null when the price of the model is unknown (never a made-up 0). */
  costUsd: number | null;
  model: string;
  cached?: boolean;
  /**
   * Why the model stopped, as the provider says it (OpenAI's `stop`, `length`, `tool_calls`, `content_filter`);
   * left out by providers that do not say. `length`: the reply was cut off by its token limit.
   */
  finishReason?: string;
}

export interface ModelService {
  chat(request: ChatRequest, options?: ChatOptions): Promise<ChatResult>;
  embed(model: string, texts: string[], options?: { signal?: AbortSignal }): Promise<number[][]>;
}

export type RetrievalMode = 'keyword' | 'vector' | 'hybrid';

export interface RetrievalService {
  search(
    index: string,
    query: string,
    options: { topK: number; mode: RetrievalMode; embeddingModel?: string; signal?: AbortSignal },
  ): Promise<Document[]>;
}

/** A tool as list() gives it: an MCP server's says which server and under what name it has it there. */
export type ListedTool = ToolSpec & { mcp?: { server: string; tool: string } };

/** Why tools may be missing from list() (an MCP server that is unavailable, names that clash), or listed otherwise than a server named them. */
export interface ToolProblem {
  /** The MCP servers it is about. */
  servers: string[];
  /** The name the tools it is about are (or would be) listed by; none for a server that did not answer. */
  name?: string;
  /** One line: what an unknown-tool error quotes. */
  message: string;
}

export interface ToolService {
  list(): Promise<ListedTool[]>;
  describe(name: string): Promise<ToolSpec | undefined>;
  /** Validates `args` against the tool's parameters, then calls it. Throws with a clear message on refusal or failure. */
  call(name: string, args: unknown, options?: ToolCallOptions): Promise<unknown>;
  /** Why tools a pipeline may name are missing from list(): an MCP server that is unavailable, tools left out for a name clash. */
  problems?(): Promise<ToolProblem[]>;
}

export interface ToolCallOptions {
  signal?: AbortSignal;
  /**
   * Told what the call waits for before its work starts (`"a sandbox worker"`), then null once
   * it starts: waiting counts against the node's timeoutMs and is reported as waiting.
   */
  onWaiting?: (what: string | null) => void;
  /** Epoch ms at which the calling node's timeoutMs runs out: a tool whose own wait is shorter (an MCP call's 60 s) waits until then. */
  deadline?: number;
}

export interface Sandbox {
  /** Runs `code` as the body of a synchronous function of `value`; returns what it returns (JSON). */
  run(code: string, value: unknown, options: SandboxRunOptions): Promise<unknown>;
}

export interface SandboxRunOptions {
  /** How long the code may run; time spent waiting for a free worker counts against it unless `maxWaitMs` is given. */
  timeoutMs: number;
  /**
   * How long the call may wait for a free worker, apart from `timeoutMs` (Infinity: until one is free or
   * `signal` aborts). For callers whose result must not depend on load, like an eval's scorer.
   */
  maxWaitMs?: number;
  /** A lower limit for this call; the sandbox's own limit (its workers' memory) is the most any call gets. */
  memoryLimitBytes?: number;
  signal?: AbortSignal;
  onWaiting?: ToolCallOptions['onWaiting'];
}

/**
 * Renders a Liquid template off the runner's thread (a worker thread): for the rare template that needs
 * more than a slice of the main thread (nodes/template-variables.ts). Without one (a browser, a bare
 * engine), such a template renders on the calling thread, within the same limits.
 */
export interface TemplateRenderer {
  /** The rendered text; throws Liquid's error (its message) as the main thread would, "template render limit exceeded" past `limitMs`. */
  render(source: string, variables: Record<string, unknown>, limitMs: number, signal?: AbortSignal): Promise<string>;
}

export interface Services {
  models: ModelService;
  retrieval: RetrievalService;
  tools: ToolService;
  sandbox: Sandbox;
  /** Where a slow template renders (see TemplateRenderer); optional. */
  templates?: TemplateRenderer;
  /** Stored pipelines by reference (`NAME`, `NAME@vN`, `NAME@LABEL`): the runner's store. */
  pipelines: PipelineResolver;
}

/** Services that refuse with a clear message; the engine fills in any the caller did not give. */
export function missingServices(): Services {
  const no = (what: string) => () => Promise.reject(new Error(`no ${what} is configured for this run`));
  return {
    models: { chat: no('model provider'), embed: no('embedding provider') },
    retrieval: { search: no('retrieval store') },
    tools: { list: async () => [], describe: async () => undefined, call: no('tool service') },
    sandbox: { run: no('code sandbox') },
    pipelines: { resolve: async (ref) => ({ error: `"${ref}" cannot be resolved: no pipeline store is configured for this run` }) },
  };
}
