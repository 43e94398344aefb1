import { z } from 'zod';
import { defineNode } from './types';
import { summaryLines, summaryList, summaryText } from './summary-text';
import { PortNameSchema, duplicateNameIssues } from './port-name';
import { callTool } from './tool-call';

export const ToolConfig = z.object({
  tool: z.string().min(1, 'Choose a tool.').describe('Name of the tool to call'),
  parameters: z
    .array(PortNameSchema)
    .optional()
    .describe('One input port per listed parameter; without it the node takes the whole arguments object as `args`'),
});
export type ToolConfig = z.infer<typeof ToolConfig>;

/** Calls one tool with arguments from its inputs; the tool's answer is `result`. */
export const toolNode = defineNode<ToolConfig>({
  type: 'tool',
  title: 'Tool',
  description: 'Calls a tool (built-in, custom, SQL or MCP) with arguments from its inputs',
  category: 'tool',
  configSchema: ToolConfig,
  toolFields: ['tool'],
  inputs: (config) =>
    config.parameters
      ? // optional: a tool's optional parameters may stay unwired; the tool checks what it requires
        config.parameters.map((name) => ({ name, type: 'any' as const, required: false }))
      : [{ name: 'args', type: 'json', description: 'The arguments object' }],
  outputs: () => [{ name: 'result', type: 'json' }],
  check: (config) => duplicateNameIssues(config.parameters ?? [], 'parameters'),
  summary: (config) =>
    summaryLines({ label: 'tool', text: summaryText(config.tool) }, { label: 'params', text: summaryText(summaryList(config.parameters).join(', ')) }),
  async run(inputs, config, ctx) {
    const args = config.parameters
      ? Object.fromEntries(config.parameters.filter((p) => inputs[p] !== undefined).map((p) => [p, inputs[p]]))
      : (inputs.args ?? {});
    const call = await callTool(ctx, config.tool, args);
    if (call.error !== undefined) {
      // the tool service's own messages usually name the tool as "name"; don't say it twice
      throw new Error(call.error.includes(`"${config.tool}"`) ? call.error : `tool "${config.tool}" failed: ${call.error}`);
    }
    return { result: call.output ?? null };
  },
});
