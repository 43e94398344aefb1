import { getNodeType } from '../nodes/index';
import { PORT_TYPES, type NodeDefinition, type PortSpec } from '../nodes/types';
import type { PipelineNode } from '../schema/pipeline';
import { ConfigMemo } from './config-key';
import type { PipelineLookup } from '../compose/pipeline-ref';

export interface NodePorts {
  inputs: PortSpec[];
  outputs: PortSpec[];
}

/** The node's config parsed by its type's schema (defaults filled in), or undefined when it does not fit. */
export function nodeConfig(node: Pick<PipelineNode, 'type' | 'config'>): unknown {
  const def = getNodeType(node.type);
  if (!def) return undefined;
  const parsed = def.configSchema.safeParse(node.config ?? {});
  return parsed.success ? parsed.data : undefined;
}

/**
 * The node's input and output ports, or undefined for an unknown node type.
 * With a config that does not fit its schema the ports are a best effort from
 * the raw config (the editor still draws handles while a field is being fixed).
 */
export function nodePorts(node: Pick<PipelineNode, 'type' | 'config'>, lookup?: PipelineLookup): NodePorts | undefined {
  const def = getNodeType(node.type);
  if (!def) return undefined;
  const config = nodeConfig(node);
  if (config !== undefined) return portsOf(def, config, lookup) ?? { inputs: [], outputs: [] };
  return portsOf(def, node.config ?? {}, lookup) ?? { inputs: [], outputs: [] };
}

// Ports are a pure function of the config; parsing templates and expressions is what costs, so remember them.
const memo = new ConfigMemo<NodeDefinition, NodePorts | undefined>();

/**
 * Ports from a config, or undefined when the type's port functions choke on it.
 * A type that calls stored pipelines reads `lookup` too, so its ports are not remembered.
 */
export function portsOf(def: NodeDefinition, config: unknown, lookup?: PipelineLookup): NodePorts | undefined {
  const compute = () => {
    try {
      return { inputs: cleanPorts(def.inputs(config, lookup)), outputs: cleanPorts(def.outputs(config, lookup)) };
    } catch {
      return undefined;
    }
  };
  const ports = def.childRefs ? compute() : memo.get(def, config, compute);
  // Fresh arrays, so a caller that sorts or extends them does not change the remembered ones.
  return ports && { inputs: [...ports.inputs], outputs: [...ports.outputs] };
}

/** Keeps only well-formed port specs, first of each name (a raw config can produce anything). */
function cleanPorts(ports: unknown): PortSpec[] {
  if (!Array.isArray(ports)) return [];
  const seen = new Set<string>();
  const clean = ports.filter((port): port is PortSpec => {
    const ok =
      typeof port === 'object' && port !== null &&
      typeof port.name === 'string' && port.name !== '' && !seen.has(port.name) &&
      (PORT_TYPES as readonly string[]).includes(port.type);
    if (ok) seen.add(port.name);
    return ok;
  });
  return clean.map((port) => Object.freeze({ ...port }));
}

/** Whether an input port must have an edge into it (`required` defaults to true). */
export function isRequired(port: PortSpec): boolean {
  return port.required !== false;
}
