import type { z } from 'zod';
import type { NodeContext } from '../engine/context';
import type { PipelineLookup } from '../compose/pipeline-ref';

/** The value types a port can carry (DESIGN.md, "Port types"). */
export const PORT_TYPES = ['string', 'number', 'boolean', 'json', 'documents', 'messages', 'any'] as const;
export type PortType = (typeof PORT_TYPES)[number];

export interface PortSpec {
  name: string;
  type: PortType;
  /** Inputs only: a required input must have an edge into it. Default true. */
  required?: boolean;
  description?: string;
}

/** A problem a node type finds in its own config beyond its zod schema (template syntax, JSONata parse). */
export interface ConfigIssue {
  /** Path inside `config`, e.g. ["prompt"] or ["routes", 0, "when"]. */
  path: (string | number)[];
  message: string;
}

/** One line of a node's card on the canvas, under its title (see `NodeDefinition.summary`). */
export interface SummaryLine {
  /** What the setting is ("model", "prompt", a router's port): shown muted before the text. */
  label: string;
  /** Its value, one line, short (summaryText() trims it). */
  text: string;
  /** A template, expression or code: drawn in a monospace font. */
  code?: boolean;
}

export type NodeCategory = 'io' | 'model' | 'data' | 'logic' | 'tool';

/**
 * Everything about a node type, in one place: the editor's forms, validation and
 * the engine all read this. One file per node type under src/nodes/.
 */
export interface NodeDefinition<C = any> {
  type: string;
  title: string;
  description: string;
  category: NodeCategory;
  configSchema: z.ZodType<C>;
  /**
   * Ports are a pure function of the config (template variables become inputs)
   * and, for a type that calls stored pipelines, of the versions its references
   * resolved to (`lookup`; absent where no store is reachable).
   */
  inputs(config: C, lookup?: PipelineLookup): PortSpec[];
  outputs(config: C, lookup?: PipelineLookup): PortSpec[];
  /** The stored pipelines this config calls (`NAME`, `NAME@vN`, `NAME@LABEL`): resolved before validation and runs. */
  childRefs?(config: C): string[];
  /** Config fields holding Liquid templates (editor: multi-line editor listing variables). */
  templateFields?: string[];
  /** Config fields holding code or expressions (editor: code editor). */
  codeFields?: string[];
  /** Config fields naming a retrieval index (editor: a picker of the runner's indexes; any name can still be typed). */
  indexFields?: string[];
  /**
   * Config fields naming tools of the workspace, one (a string) or several (a list of strings). Editor: a picker
   * of the runner's tools for the one or for each entry of the list; any name can still be typed.
   */
  toolFields?: string[];
  /** Checks beyond the schema; never throws. */
  check?(config: C): ConfigIssue[];
  /**
   * Config fields that name a model, and what kind. The editor draws a model picker for them,
   * `pipelineModels` (and so the eval and run model checks) reads them.
   */
  modelFields?: ModelField<C>[];
  /** The output port whose text streams as `node.token` events while the node runs (llm, agent: `text`). */
  streamedOutput?: string;
  /**
   * The one or two settings that say what a node does, for its card on the canvas (the
   * model, a prompt's first line, …). Gets the config as stored, which may be mid-edit and
   * not fit the schema: reads it defensively and never throws.
   */
  summary?(config: Partial<C>): SummaryLine[];
  /** True for `merge`: runs when at least one input arrived, instead of being skipped with its branch. */
  acceptsSkipped?: boolean;
  /**
   * Runs the node. Returns a value per output port; an output port missing from
   * the result was not taken (router), so what hangs off it is skipped.
   */
  run(inputs: Record<string, unknown>, config: C, ctx: NodeContext): Promise<Record<string, unknown>>;
}

/** What a model named in a config is called for: a chat reply, embeddings, or a loop of tool calls. */
export type ModelKind = 'chat' | 'embedding' | 'tool-calling';

/** A config field that names a model (`"<provider>:<model>"`). */
export interface ModelField<C = any> {
  field: string;
  kind: ModelKind;
  /**
   * Whether a config calls the model its field names (a keyword-only `retrieve` names an
   * embedding model it never calls). Gets the parsed config; default: whenever the field is set.
   */
  calledWhen?(config: C): boolean;
}

/** Helper that keeps the config type while declaring a node type. */
export function defineNode<C>(def: NodeDefinition<C>): NodeDefinition<C> {
  return def;
}
