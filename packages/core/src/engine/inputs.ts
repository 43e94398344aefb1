import { z } from 'zod';
import { jsonPath, quotedKey } from '../graph/json-path';
import type { Problem } from '../graph/problems';
import type { PipelineDocument } from '../schema/pipeline';

export interface PipelineInput {
  name: string;
  valueType: string;
  description?: string;
  default?: unknown;
  /** True when the input has no default: a run must give it. */
  required: boolean;
}

/** Shapes for the structured value types. Documents need only `text`: callers rarely have ids and scores. */
const DocumentsValue = z.array(
  z.object({
    id: z.union([z.string(), z.number()]).optional(),
    text: z.string(),
    score: z.number().optional(),
    source: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }),
);
const MessagesValue = z.array(
  z.object({
    role: z.enum(['system', 'user', 'assistant', 'tool']),
    content: z.string().nullable(),
    toolCalls: z.array(z.object({ id: z.string(), name: z.string(), arguments: z.string() })).optional(),
    toolCallId: z.string().optional(),
  }),
);

/** Configs of the `input` or `output` nodes that have a name. */
function configsOfType(doc: Pick<PipelineDocument, 'nodes'>, type: 'input' | 'output'): Record<string, unknown>[] {
  return (doc.nodes ?? [])
    .filter((node) => node.type === type && typeof node.config?.name === 'string')
    .map((node) => node.config);
}

/** The pipeline's inputs (its `input` nodes) in document order; the first node of a name wins. */
export function pipelineInputs(doc: Pick<PipelineDocument, 'nodes'>): PipelineInput[] {
  const inputs: PipelineInput[] = [];
  for (const config of configsOfType(doc, 'input')) {
    const name = config.name as string;
    if (inputs.some((input) => input.name === name)) continue;
    const valueType = typeof config.valueType === 'string' ? config.valueType : 'string';
    inputs.push({
      name,
      valueType,
      ...(typeof config.description === 'string' ? { description: config.description } : {}),
      ...(config.default !== undefined ? { default: config.default } : {}),
      required: config.default === undefined,
    });
  }
  return inputs;
}

/** The names a run returns its values under (its `output` nodes), in document order. */
export function pipelineOutputs(doc: Pick<PipelineDocument, 'nodes'>): string[] {
  return [...new Set(configsOfType(doc, 'output').map((config) => config.name as string))];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  return `a ${typeof value}`;
}

/** Why `value` does not fit `valueType`, or null when it does. */
export function valueTypeProblem(value: unknown, valueType: string): string | null {
  const expect = (ok: boolean, what: string) => (ok ? null : `expected ${what}, got ${describe(value)}`);
  switch (valueType) {
    case 'string':
      return expect(typeof value === 'string', 'a string');
    case 'number':
      return expect(typeof value === 'number' && Number.isFinite(value), 'a number');
    case 'boolean':
      return expect(typeof value === 'boolean', 'true or false');
    case 'json':
    case 'any':
      return expect(value !== undefined && typeof value !== 'function' && typeof value !== 'symbol', 'a JSON value');
    case 'documents':
    case 'messages': {
      const parsed = (valueType === 'documents' ? DocumentsValue : MessagesValue).safeParse(value);
      if (parsed.success) return null;
      const issue = parsed.error.issues[0];
      const where = issue.path.length > 0 ? ` at ${jsonPath(issue.path, '').replace(/^\./, '')}` : '';
      return valueType === 'documents'
        ? `expected documents ([{text, id?, score?, source?, metadata?}])${where}: ${issue.message}`
        : `expected messages ([{role, content}])${where}: ${issue.message}`;
    }
    default:
      return `unknown value type "${valueType}"`;
  }
}

/**
 * Problems with the inputs given to a run: a required input missing, a value
 * not fitting its input's `valueType`. Paths are `$.inputs.NAME`. With
 * `{ unknown: 'error' }` a name the pipeline has no input for is a problem too.
 */
export function checkInputs(
  doc: Pick<PipelineDocument, 'nodes'>,
  inputs: Record<string, unknown>,
  options: {
    unknown?: 'ignore' | 'error';
    /** pipelineInputs(doc), when the caller has it already (a prepared pipeline checks every run's inputs). */
    declared?: readonly PipelineInput[];
  } = {},
): Problem[] {
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) {
    return [{ path: '$.inputs', code: 'invalid-inputs', message: `inputs must be an object of {name: value}, not ${describe(inputs)}` }];
  }
  const problems: Problem[] = [];
  const declared = options.declared ?? pipelineInputs(doc);
  for (const input of declared) {
    const value = Object.hasOwn(inputs, input.name) ? inputs[input.name] : undefined;
    if (value === undefined) {
      if (input.required) {
        problems.push({ path: jsonPath(['inputs', input.name]), code: 'missing-input', message: `input "${input.name}" (${input.valueType}) is required and was not given` });
      }
      continue;
    }
    const reason = valueTypeProblem(value, input.valueType);
    if (reason) problems.push({ path: jsonPath(['inputs', input.name]), code: 'input-type', message: `input "${input.name}": ${reason}` });
  }
  if (options.unknown === 'error') {
    for (const name of Object.keys(inputs)) {
      if (declared.some((input) => input.name === name)) continue;
      const names = declared.map((input) => input.name);
      const known = names.length > 0 ? `its inputs: ${names.join(', ')}` : 'it has no inputs';
      problems.push({ path: jsonPath(['inputs', name]), code: 'unknown-input', message: `the pipeline has no input ${quotedKey(name)} (${known})` });
    }
  }
  return problems;
}

const DECIMAL = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i;

/**
 * Reads a command-line `--input NAME=VALUE` value as the input's type: a number
 * must parse whole (`abc`, `12abc` fail), a boolean is `true` or `false`,
 * json/documents/messages are JSON, a string is taken as is.
 */
export function parseInputValue(text: string, valueType: string): { ok: true; value: unknown } | { ok: false; message: string } {
  let value: unknown;
  switch (valueType) {
    case 'string':
      return { ok: true, value: text };
    case 'number': {
      // Decimal only: Number() would also take 0x10, 0b1 and 0o7, which nobody types as an amount.
      value = DECIMAL.test(text) ? Number(text) : NaN;
      if (Number.isNaN(value)) return { ok: false, message: `"${text}" is not a number` };
      if (!Number.isFinite(value)) return { ok: false, message: `"${text}" is a number too large (it reads as infinite)` };
      return { ok: true, value };
    }
    case 'boolean':
      if (text === 'true' || text === 'false') return { ok: true, value: text === 'true' };
      return { ok: false, message: `"${text}" is not a boolean (use true or false)` };
    case 'json':
    case 'any':
    case 'documents':
    case 'messages':
      try {
        value = JSON.parse(text);
      } catch (err) {
        return { ok: false, message: `not valid JSON: ${(err as Error).message}` };
      }
      break;
    default:
      return { ok: false, message: `unknown value type "${valueType}"` };
  }
  const reason = valueTypeProblem(value, valueType);
  return reason ? { ok: false, message: reason } : { ok: true, value };
}
