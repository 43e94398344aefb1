import { z } from 'zod';
import { defineNode, type ConfigIssue } from './types';
import { shortModelName } from './model-name';
import { summaryLines, summaryText } from './summary-text';
import { renderTemplate, templateIssue, variablesOf } from './template-variables';
import { ModelNameSchema, callModel, promptMessages } from './model-call';
import { jsonSchemaProblem, parseJsonReply } from './json-reply';

export const LlmConfig = z.object({
  model: ModelNameSchema.describe('"<provider>:<model>", e.g. "openai:gpt-4o-mini" or "offline:extractive"'),
  system: z.string().optional().describe('System message (Liquid template)'),
  prompt: z.string().describe('User message (Liquid template); its variables are the input ports'),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().optional(),
  jsonSchema: z.record(z.string(), z.unknown()).optional().describe('When set, the reply must be JSON fitting this schema'),
  stop: z.array(z.string().min(1)).optional().describe('Stop sequences'),
});
export type LlmConfig = z.infer<typeof LlmConfig>;

/** One chat call: renders system and prompt from the inputs, streams the reply. */
export const llmNode = defineNode<LlmConfig>({
  type: 'llm',
  title: 'LLM',
  description: 'Calls a language model with a prompt rendered from its inputs',
  category: 'model',
  configSchema: LlmConfig,
  templateFields: ['system', 'prompt'],
  inputs: (config) => variablesOf(config.system, config.prompt).map((name) => ({ name, type: 'any' as const })),
  outputs: (config) => [
    { name: 'text', type: 'string' },
    ...(config.jsonSchema ? [{ name: 'json', type: 'json' as const }] : []),
    { name: 'usage', type: 'json' },
  ],
  check(config) {
    const issues: ConfigIssue[] = [...templateIssue(config.system, 'system'), ...templateIssue(config.prompt, 'prompt')];
    const schemaProblem = config.jsonSchema && jsonSchemaProblem(config.jsonSchema);
    if (schemaProblem) issues.push({ path: ['jsonSchema'], message: schemaProblem });
    return issues;
  },
  modelFields: [{ field: 'model', kind: 'chat' }],
  streamedOutput: 'text',
  summary: (config) =>
    summaryLines(
      { label: 'model', text: typeof config.model === 'string' ? shortModelName(config.model) : '' },
      { label: 'prompt', text: summaryText(config.prompt), code: true },
    ),
  async run(inputs, config, ctx) {
    const system = config.system ? await renderTemplate(config.system, inputs, ctx.signal, ctx.deadline, ctx.templates) : undefined;
    const prompt = await renderTemplate(config.prompt, inputs, ctx.signal, ctx.deadline, ctx.templates);
    const { result } = await callModel(ctx, {
      model: config.model,
      messages: promptMessages(system, prompt),
      temperature: config.temperature,
      maxTokens: config.maxTokens,
      stop: config.stop,
      jsonSchema: config.jsonSchema,
    });
    const outputs: Record<string, unknown> = { text: result.text, usage: result.usage };
    if (config.jsonSchema) outputs.json = parseJsonReply(result.text, config.jsonSchema);
    return outputs;
  },
});
