import type { NodeContext, NodeEmission, NodeReport, PipelineCalls } from './context';
import type { ItemSlots } from './item-slots';
import type { ModelService, RetrievalService, Sandbox, Services, TemplateRenderer, ToolService } from './services';

/** What a context reports back to: the scheduler decides whether a token or a report still counts. */
export interface ContextHost<S> {
  readonly runId: string;
  readonly inputs: Record<string, unknown>;
  readonly services: Services;
  readonly pipelines: PipelineCalls;
  readonly itemSlots: ItemSlots | undefined;
  nodeToken(state: S, attempt: number, text: string, step?: number): void;
  nodeReport(state: S, report: NodeReport): void;
}

/**
 * The context of one node attempt. A class with prototype methods rather than
 * an object of closures: it is built once per node run, and closures cost more
 * (tsx and vitest keep function names, which defines a property per closure).
 * Call `ctx.emit(...)` and `ctx.report(...)` as methods.
 */
export class NodeRunContext<S> implements NodeContext {
  readonly models: ModelService;
  readonly retrieval: RetrievalService;
  readonly tools: ToolService;
  readonly sandbox: Sandbox;
  readonly templates?: TemplateRenderer;
  readonly runId: string;
  readonly pipelineInputs: Record<string, unknown>;
  readonly pipelines: PipelineCalls;
  readonly itemSlots: ItemSlots | undefined;

  constructor(
    private readonly host: ContextHost<S>,
    private readonly state: S,
    private readonly attempt: number,
    readonly nodeId: string,
    readonly signal: AbortSignal,
    readonly deadline?: number,
  ) {
    const services = host.services;
    this.models = services.models;
    this.retrieval = services.retrieval;
    this.tools = services.tools;
    this.sandbox = services.sandbox;
    this.templates = services.templates;
    this.runId = host.runId;
    this.pipelineInputs = host.inputs;
    this.pipelines = host.pipelines;
    this.itemSlots = host.itemSlots;
  }

  emit(emission: NodeEmission): void {
    if (emission.type === 'token') this.host.nodeToken(this.state, this.attempt, emission.text, emission.step);
  }

  report(report: NodeReport): void {
    this.host.nodeReport(this.state, report);
  }
}
