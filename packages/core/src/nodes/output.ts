import { z } from 'zod';
import { defineNode } from './types';
import { summaryLines, summaryText } from './summary-text';

export const OutputConfig = z.object({
  name: z.string().min(1).describe('The name this output is returned under'),
});
export type OutputConfig = z.infer<typeof OutputConfig>;

/** A pipeline output: the engine returns its `value` input under `name`. */
export const outputNode = defineNode<OutputConfig>({
  type: 'output',
  title: 'Output',
  description: 'A value the pipeline returns',
  category: 'io',
  configSchema: OutputConfig,
  inputs: () => [{ name: 'value', type: 'any' }],
  outputs: () => [],
  summary: (config) => summaryLines({ label: 'output', text: summaryText(config.name) }),
  async run(inputs) {
    return { value: inputs.value };
  },
});
