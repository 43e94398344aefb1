import type { NodeDefinition } from './types';
import { inputNode } from './input';
import { outputNode } from './output';
import { templateNode } from './template';
import { llmNode } from './llm';
import { retrieveNode } from './retrieve';
import { toolNode } from './tool';
import { agentNode } from './agent';
import { routerNode } from './router';
import { mergeNode } from './merge';
import { transformNode } from './transform';
import { codeNode } from './code';
import { pipelineNode } from './pipeline';
import { mapNode } from './map';

// What serving needs of the agent's config defaults (its last allowed step streams live: chat-stream.ts).
export { DEFAULT_AGENT_MAX_STEPS } from './agent';

/** The node catalogue: every node type by name (DESIGN.md, "Node types (v1)"). */
export const nodeTypes: Readonly<Record<string, NodeDefinition>> = Object.freeze({
  input: inputNode,
  output: outputNode,
  template: templateNode,
  llm: llmNode,
  retrieve: retrieveNode,
  tool: toolNode,
  agent: agentNode,
  router: routerNode,
  merge: mergeNode,
  transform: transformNode,
  code: codeNode,
  pipeline: pipelineNode,
  map: mapNode,
});

export function getNodeType(type: string): NodeDefinition | undefined {
  return Object.hasOwn(nodeTypes, type) ? nodeTypes[type] : undefined;
}
