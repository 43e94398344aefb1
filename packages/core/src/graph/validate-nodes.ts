import { getNodeType, nodeTypes } from '../nodes/index';
import type { z } from 'zod';
import type { ConfigIssue, NodeDefinition } from '../nodes/types';
import type { PipelineEdge, PipelineNode } from '../schema/pipeline';
import { ConfigMemo } from './config-key';
import type { PipelineLookup } from '../compose/pipeline-ref';
import { unknownConfigKeyProblems } from './config-keys';
import { configErrorMap } from './config-sentences';
import { didYouMean } from './did-you-mean';
import { jsonPath } from './json-path';
import { portsOf, type NodePorts } from './ports';
import { zodIssueProblem, type Problem } from './problems';

/** What validation works on: the nodes and edges that parsed, with their index in the document. */
export interface DocumentParts {
  nodes: { node: PipelineNode; index: number }[];
  edges: { edge: PipelineEdge; index: number }[];
  /** Ids of nodes that did not parse (already reported); edges to them are not reported again. */
  brokenIds: Set<string>;
  /** References of `pipeline` and `map` nodes, resolved beforehand; without it they are reported as unresolved. */
  lookup?: PipelineLookup;
}

/** A node as validation sees it; `ports` is undefined when its type is unknown or its config does not fit. */
export interface NodeInfo {
  node: PipelineNode;
  index: number;
  def?: NodeDefinition;
  config?: unknown;
  ports?: NodePorts;
}

/** Ids, types and configs. Returns the first node of each id (edges attach to it). */
export function checkNodes(parts: DocumentParts): { problems: Problem[]; byId: Map<string, NodeInfo> } {
  const problems: Problem[] = [];
  const byId = new Map<string, NodeInfo>();
  for (const { node, index } of parts.nodes) {
    const first = byId.get(node.id);
    if (first) {
      problems.push({
        path: jsonPath(['nodes', index, 'id']),
        code: 'duplicate-node-id',
        message: `node id "${node.id}" is used by nodes[${first.index}] and nodes[${index}]; ids must be unique`,
        nodes: [node.id],
      });
    }
    const info = checkNode(node, index, problems, parts.lookup);
    if (!first) byId.set(node.id, info);
  }
  return { problems, byId };
}

function checkNode(node: PipelineNode, index: number, problems: Problem[], lookup: PipelineLookup | undefined): NodeInfo {
  const def = getNodeType(node.type);
  if (!def) {
    problems.push({
      path: jsonPath(['nodes', index, 'type']),
      code: 'unknown-node-type',
      message: `node "${node.id}": unknown node type "${node.type.slice(0, 60)}"${didYouMean(node.type, Object.keys(nodeTypes))} (known: ${Object.keys(nodeTypes).join(', ')})`,
      nodes: [node.id],
    });
    return { node, index };
  }
  const prefix = ['nodes', index, 'config'];
  // Reported beside whatever else is wrong; zod drops such keys, so ports can still be worked out.
  problems.push(...unknownConfigKeyProblems(node, index, def));
  const analysis = def.childRefs ? analyzeRefConfig(def, node.config ?? {}, lookup) : analyzeConfig(def, node.config ?? {});
  if (!analysis.ok) {
    for (const issue of analysis.issues) problems.push(zodIssueProblem(issue, 'invalid-config', prefix, node.id, 2));
    return { node, index, def };
  }
  const { config, issues, ports } = analysis;
  for (const issue of issues) {
    problems.push({
      path: jsonPath([...prefix, ...issue.path]),
      code: issue.code ?? 'invalid-config',
      message: `node "${node.id}": ${jsonPath(['config', ...issue.path], '').slice(1)}: ${issue.message}`,
      nodes: [node.id],
    });
  }
  // A template that does not parse yields no variables: its ports would be wrong, so edges to it are not judged.
  if (issues.length > 0) return { node, index, def, config };
  if (!ports) {
    problems.push({
      path: jsonPath(prefix),
      code: 'invalid-config',
      message: `node "${node.id}": its ports cannot be worked out from this config`,
      nodes: [node.id],
    });
  }
  return { node, index, def, config, ports };
}

/**
 * What validation says of one config of a type, in the words it uses for a node's (`config.model is
 * missing`, `config.temperature: Temperature must be a number.`), paths from `$.config`, no node named:
 * for clients that ask the runner about a config alone (POST /api/node-types/:type/ports).
 */
export function configProblems(def: NodeDefinition, raw: unknown): Problem[] {
  const analysis = analyzeConfig(def, raw ?? {});
  if (!analysis.ok) return analysis.issues.map((issue) => zodIssueProblem(issue, 'invalid-config', ['config']));
  return analysis.issues.map((issue) => ({
    path: jsonPath(['config', ...issue.path]),
    code: issue.code ?? 'invalid-config',
    message: `${jsonPath(['config', ...issue.path], '').slice(1)}: ${issue.message}`,
  }));
}

type ConfigAnalysis =
  | { ok: false; issues: z.core.$ZodIssue[] }
  | { ok: true; config: unknown; issues: (ConfigIssue & { code?: string })[]; ports?: NodePorts };

/**
 * A node that calls stored pipelines: its ports depend on what its references
 * resolved to, so it is judged afresh; a reference that does not resolve (or
 * closes a cycle) is an `unresolved-pipeline` problem on its `ref`.
 */
function analyzeRefConfig(def: NodeDefinition, raw: unknown, lookup: PipelineLookup | undefined): ConfigAnalysis {
  const parsed = def.configSchema.safeParse(raw, { reportInput: true, error: configErrorMap(def.configSchema) });
  if (!parsed.success) return { ok: false, issues: parsed.error.issues };
  const issues: (ConfigIssue & { code?: string })[] = ownCheck(def, parsed.data);
  for (const ref of def.childRefs!(parsed.data)) {
    const entry = lookup?.get(ref);
    if (entry && !('error' in entry)) continue;
    const message = entry ? entry.error : `"${ref}" cannot be resolved here: no pipeline store was given`;
    issues.push({ path: ['ref'], message, code: 'unresolved-pipeline' });
  }
  return { ok: true, config: parsed.data, issues, ports: issues.length > 0 ? undefined : portsOf(def, parsed.data, lookup) };
}

// Validation runs on every keystroke in the editor and before every run: identical configs are judged once.
const memo = new ConfigMemo<NodeDefinition, ConfigAnalysis>();

/** Schema, the type's own check, and ports of one config. */
function analyzeConfig(def: NodeDefinition, raw: unknown): ConfigAnalysis {
  return memo.get(def, raw, () => {
    const parsed = def.configSchema.safeParse(raw, { reportInput: true, error: configErrorMap(def.configSchema) });
    if (!parsed.success) return { ok: false, issues: parsed.error.issues };
    const issues = ownCheck(def, parsed.data);
    return { ok: true, config: parsed.data, issues, ports: issues.length > 0 ? undefined : portsOf(def, parsed.data) };
  });
}

/** The type's own check(); a check that throws is reported rather than thrown. */
function ownCheck(def: NodeDefinition, config: unknown): ConfigIssue[] {
  if (!def.check) return [];
  try {
    return def.check(config);
  } catch (err) {
    return [{ path: [], message: `config check failed: ${err instanceof Error ? err.message : String(err)}` }];
  }
}
