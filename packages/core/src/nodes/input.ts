import { z } from 'zod';
import { defineNode, type ConfigIssue } from './types';
import { valueTypeProblem } from '../engine/inputs';
import { summaryLines, summaryText } from './summary-text';

const InputValueType = z.enum(['string', 'number', 'boolean', 'json', 'documents', 'messages']);

export const InputConfig = z.object({
  name: z.string().min(1).describe('The name callers pass this input by'),
  valueType: InputValueType.default('string'),
  description: z.string().optional(),
  default: z.unknown().optional(),
});
export type InputConfig = z.infer<typeof InputConfig>;

/** A pipeline input: its value comes from the run's inputs by `name`, else `default`. */
export const inputNode = defineNode<InputConfig>({
  type: 'input',
  title: 'Input',
  description: 'A value the pipeline is run with',
  category: 'io',
  configSchema: InputConfig,
  inputs: () => [],
  outputs: (config) => [{ name: 'value', type: config.valueType ?? 'string' }],
  // A run that gives such a value is refused; a default that does not fit would flow on unseen. A request body
  // with a __proto__ key is refused (json-body.ts), so an input of that name could never be given.
  check(config): ConfigIssue[] {
    if (config.name === '__proto__') {
      return [{ path: ['name'], message: `"__proto__" cannot name an input: no request may carry that key (it would set an object's prototype); choose another name` }];
    }
    if (config.default === undefined) return [];
    const valueType = config.valueType ?? 'string';
    const reason = valueTypeProblem(config.default, valueType);
    return reason ? [{ path: ['default'], message: `the default does not fit valueType ${valueType}: ${reason}` }] : [];
  },
  summary: (config) => summaryLines({ label: 'input', text: [summaryText(config.name), summaryText(config.valueType ?? 'string')].filter(Boolean).join(': ') }),
  async run(_inputs, config, ctx) {
    // Own keys only: an input named "constructor" that was not given is not Object's constructor.
    const given = Object.hasOwn(ctx.pipelineInputs, config.name) ? ctx.pipelineInputs[config.name] : undefined;
    if (given !== undefined) return { value: given };
    if (config.default !== undefined) return { value: config.default };
    throw new Error(`input "${config.name}" was not given and has no default`);
  },
});
