import { z } from 'zod';
import { defineNode } from './types';
import { summaryLines, summaryText } from './summary-text';
import { evaluateExpression, expressionIssues } from './jsonata-expression';

export const TransformConfig = z.object({
  expression: z.string().min(1).describe('JSONata with the input value as `$`, e.g. `$.items[price > 10].name`'),
});
export type TransformConfig = z.infer<typeof TransformConfig>;

/** Reshapes a value with a JSONata expression; no result at all becomes null. */
export const transformNode = defineNode<TransformConfig>({
  type: 'transform',
  title: 'Transform',
  description: 'Reshapes the value with a JSONata expression',
  category: 'data',
  configSchema: TransformConfig,
  codeFields: ['expression'],
  inputs: () => [{ name: 'value', type: 'any' }],
  outputs: () => [{ name: 'value', type: 'json' }],
  check: (config) => expressionIssues(config.expression, ['expression']),
  summary: (config) => summaryLines({ label: 'expression', text: summaryText(config.expression), code: true }),
  async run(inputs, config, ctx) {
    return { value: await evaluateExpression(config.expression, inputs.value, ctx.signal, ctx.deadline) };
  },
});
