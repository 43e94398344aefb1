import type { z } from 'zod';
import type { NodeContext } from '../engine/context';

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
  /** Ports are a pure function of the config (template variables become inputs). */
  inputs(config: C): PortSpec[];
  outputs(config: C): PortSpec[];
  /** Config fields holding Liquid templates (editor: multi-line editor listing variables). */
  templateFields?: string[];
  /** Config fields holding code or expressions (editor: code editor). */
  codeFields?: string[];
  /** Checks beyond the schema; never throws. */
  check?(config: C): ConfigIssue[];
  /** True for `merge`: runs when at least one input arrived, instead of being skipped with its branch. */
  acceptsSkipped?: boolean;
  /**
   * Runs the node. Returns a value per output port; an output port missing from
   * the result was not taken (router), so what hangs off it is skipped.
   */
  run(inputs: Record<string, unknown>, config: C, ctx: NodeContext): Promise<Record<string, unknown>>;
}

/** Helper that keeps the config type while declaring a node type. */
export function defineNode<C>(def: NodeDefinition<C>): NodeDefinition<C> {
  return def;
}
