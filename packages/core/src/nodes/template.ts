import { z } from 'zod';
import { defineNode } from './types';
import { summaryLines, summaryText } from './summary-text';
import { renderTemplate, templateIssue, variablesOf } from './template-variables';

export const TemplateConfig = z.object({
  template: z.string().describe('Liquid template; its variables are the input ports'),
});
export type TemplateConfig = z.infer<typeof TemplateConfig>;

export const templateNode = defineNode<TemplateConfig>({
  type: 'template',
  title: 'Template',
  description: 'Renders a Liquid template from its inputs',
  category: 'data',
  configSchema: TemplateConfig,
  templateFields: ['template'],
  inputs: (config) => variablesOf(config.template).map((name) => ({ name, type: 'any' as const })),
  outputs: () => [{ name: 'text', type: 'string' }],
  check: (config) => templateIssue(config.template, 'template'),
  summary: (config) => summaryLines({ label: 'template', text: summaryText(config.template), code: true }),
  async run(inputs, config, ctx) {
    return { text: await renderTemplate(config.template, inputs, ctx.signal, ctx.deadline, ctx.templates) };
  },
});
