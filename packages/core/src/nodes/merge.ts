import { z } from 'zod';
import { defineNode } from './types';
import { summaryLines, summaryList, summaryText } from './summary-text';
import { PortNameSchema, duplicateNameIssues } from './port-name';

export const MergeConfig = z.object({
  inputs: z.array(PortNameSchema).min(1).default(['a', 'b']).describe('Input ports, in order of preference'),
});
export type MergeConfig = z.infer<typeof MergeConfig>;

/** Joins branches again: its value is the first input (in config order) whose branch ran. */
export const mergeNode = defineNode<MergeConfig>({
  type: 'merge',
  title: 'Merge',
  description: 'Passes on the first of its inputs whose branch was taken',
  category: 'logic',
  configSchema: MergeConfig,
  acceptsSkipped: true,
  inputs: (config) => (config.inputs ?? ['a', 'b']).map((name) => ({ name, type: 'any' as const })),
  outputs: () => [{ name: 'value', type: 'any' }],
  check: (config) => duplicateNameIssues(config.inputs ?? [], 'inputs'),
  summary: (config) => summaryLines({ label: 'first of', text: summaryText(summaryList(config.inputs ?? ['a', 'b']).join(', ')) }),
  async run(inputs, config) {
    const names = config.inputs ?? ['a', 'b'];
    // the engine passes only inputs whose branch was not skipped
    const first = names.find((name) => Object.hasOwn(inputs, name) && inputs[name] !== undefined);
    if (first === undefined) throw new Error(`none of the inputs ${names.join(', ')} arrived`);
    return { value: inputs[first] };
  },
});
