import { z } from 'zod';
import type { CallRecord, NodeContext } from '../engine/context';
import type { ChatMessage, ToolCall, ToolSpec } from '../engine/services';
import { defineNode, type ConfigIssue } from './types';
import { shortModelName } from './model-name';
import { summaryLines, summaryList, summaryText } from './summary-text';
import { renderTemplate, templateIssue, variablesOf } from './template-variables';
import { ModelNameSchema, callModel, promptMessages } from './model-call';
import { callTool } from './tool-call';
import { cutToolResult } from './tool-result-cut';
import { bytesNoted } from './bytes-for-model';

/** The most of one tool result (in characters) that goes into the conversation by default: ~5,000 tokens. */
export const DEFAULT_MAX_TOOL_RESULT_CHARS = 20_000;
/** Model calls an agent makes at most, by default. */
export const DEFAULT_AGENT_MAX_STEPS = 5;
/** Tool calls of one model reply that run at once, by default. */
export const DEFAULT_MAX_PARALLEL_TOOLS = 8;

export const AgentConfig = z.object({
  model: ModelNameSchema.describe('A model that can call functions, e.g. "openai:gpt-4o-mini" or "offline:scripted"'),
  system: z.string().optional().describe('System message (Liquid template)'),
  prompt: z.string().describe('The task (Liquid template); its variables are the input ports'),
  tools: z.array(z.string().min(1, 'Choose a tool.')).describe('Names of the tools the model may call'),
  maxSteps: z.number().int().min(1).max(50).default(DEFAULT_AGENT_MAX_STEPS).describe('Most model calls before giving up'),
  maxParallelTools: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(DEFAULT_MAX_PARALLEL_TOOLS)
    .describe('Most tool calls of one model reply that run at once; the others wait their turn'),
  maxToolResultChars: z
    .number()
    .int()
    .min(100)
    .max(1_000_000)
    .default(DEFAULT_MAX_TOOL_RESULT_CHARS)
    .describe('Most characters of one tool result sent to the model; the rest is cut, with a note saying how much'),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

/**
 * A tool-calling loop: the model answers or asks for tools; the tools run in
 * parallel and their results (or `error: …`) go back to it, until it answers
 * with text or runs out of steps. `steps` lists every model and tool call.
 * Each model call's tokens carry its step (1-based): only the last step's text is `text`.
 */
export const agentNode = defineNode<AgentConfig>({
  type: 'agent',
  title: 'Agent',
  description: 'Lets a model call tools in a loop until it answers',
  category: 'model',
  configSchema: AgentConfig,
  templateFields: ['system', 'prompt'],
  toolFields: ['tools'],
  inputs: (config) => variablesOf(config.system, config.prompt).map((name) => ({ name, type: 'any' as const })),
  outputs: () => [
    { name: 'text', type: 'string' },
    { name: 'steps', type: 'json' },
  ],
  check(config) {
    const issues: ConfigIssue[] = [...templateIssue(config.system, 'system'), ...templateIssue(config.prompt, 'prompt')];
    config.tools.forEach((name, i) => {
      if (config.tools.indexOf(name) !== i) issues.push({ path: ['tools', i], message: `tool "${name}" is listed twice` });
    });
    return issues;
  },
  modelFields: [{ field: 'model', kind: 'tool-calling' }],
  streamedOutput: 'text',
  summary: (config) =>
    summaryLines(
      { label: 'model', text: typeof config.model === 'string' ? shortModelName(config.model) : '' },
      { label: 'prompt', text: summaryText(config.prompt), code: true },
      { label: 'tools', text: summaryText(summaryList(config.tools).join(', ')) },
    ),
  async run(inputs, config, ctx) {
    const maxSteps = config.maxSteps ?? DEFAULT_AGENT_MAX_STEPS;
    const maxResultChars = config.maxToolResultChars ?? DEFAULT_MAX_TOOL_RESULT_CHARS;
    const specs = await describeTools(ctx, config.tools);
    const system = config.system ? await renderTemplate(config.system, inputs, ctx.signal, ctx.deadline, ctx.templates) : undefined;
    const messages = promptMessages(system, await renderTemplate(config.prompt, inputs, ctx.signal, ctx.deadline, ctx.templates));
    const steps: CallRecord[] = [];
    for (let step = 1; step <= maxSteps; step++) {
      const { result, call } = await callModel(ctx, { model: config.model, messages, tools: specs }, step);
      steps.push(call);
      if (!result.toolCalls.length) return { text: result.text, steps };
      if (step === maxSteps) break;
      messages.push({ role: 'assistant', content: result.text || null, toolCalls: result.toolCalls });
      const calls = await inTurns(result.toolCalls, config.maxParallelTools ?? DEFAULT_MAX_PARALLEL_TOOLS, (toolCall) => runToolCall(ctx, config.tools, toolCall, maxResultChars));
      steps.push(...calls.map((c) => c.record));
      messages.push(...calls.map((c) => c.message));
    }
    throw new Error(`agent stopped after ${maxSteps} step${maxSteps === 1 ? '' : 's'} without an answer`);
  },
});

/**
 * `run` over every item, at most `most` at a time, results in the items' order. A model reply may ask
 * for hundreds of tool calls: each may be an HTTP request, a query or an MCP call, so they take turns.
 */
async function inTurns<T, R>(items: T[], most: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(most, items.length) }, lane));
  return results;
}

async function describeTools(ctx: NodeContext, names: string[]): Promise<ToolSpec[]> {
  const specs = await Promise.all(names.map((name) => ctx.tools.describe(name)));
  const missing = names.filter((_, i) => !specs[i]);
  if (missing.length) {
    const available = (await ctx.tools.list()).map((t) => t.name).join(', ') || '(none)';
    // Say why a tool is not there (its server is down, its name clashed), as the tool node's error does.
    const problems = (await ctx.tools.problems?.()) ?? [];
    const note = problems.length ? ` (${problems.map((p) => p.message).join('; ')})` : '';
    throw new Error(`unknown tool${missing.length > 1 ? 's' : ''} ${missing.map((n) => `"${n}"`).join(', ')}; available: ${available}${note}`);
  }
  return specs as ToolSpec[];
}

/**
 * Runs one requested call; every failure becomes the tool message `error: …` for the model to read.
 * The message carries at most `maxChars` of the result: it is sent again with every later step.
 */
async function runToolCall(
  ctx: NodeContext,
  allowed: string[],
  toolCall: ToolCall,
  maxChars: number,
): Promise<{ message: ChatMessage; record: CallRecord }> {
  const reply = (content: string): ChatMessage => ({ role: 'tool', content, toolCallId: toolCall.id });
  const refuse = (error: string) => {
    // refused before reaching the tool service, yet still a step the trace shows
    const record: CallRecord = { kind: 'tool', name: toolCall.name, input: toolCall.arguments, error, durationMs: 0 };
    ctx.report({ call: record });
    return { message: reply(`error: ${error}`), record };
  };
  if (!allowed.includes(toolCall.name)) return refuse(`"${toolCall.name}" is not one of this agent's tools (${allowed.join(', ')})`);
  let args: unknown;
  try {
    args = toolCall.arguments.trim() ? JSON.parse(toolCall.arguments) : {};
  } catch (err) {
    return refuse(`the arguments are not valid JSON: ${(err as Error).message}`);
  }
  const record = await callTool(ctx, toolCall.name, args);
  const output = bytesNoted(record.output);
  // As with a cut below: steps and the trace keep what the model was sent.
  if (output !== record.output) record.output = output;
  const full = record.error !== undefined ? `error: ${record.error}` : typeof output === 'string' ? output : JSON.stringify(output ?? null);
  const { text, cut } = cutToolResult(full, maxChars);
  // The record is already in the trace (by reference): the cut shows there and in `steps`, which keep what
  // the model was sent: whole results there would pass the node's output limit after the model answered.
  if (cut) {
    record.cut = cut;
    if (record.error === undefined) record.output = text;
  }
  return { message: reply(text), record };
}
