import { z } from 'zod';
import { MAX_PORT_NAME_LENGTH } from '../schema/pipeline';
import type { ConfigIssue } from './types';

/** A port name a node type takes from its config (router routes, merge inputs, tool parameters); fits an edge end. */
export const PortNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'a port name is letters, digits, _ or -, starting with a letter or _')
  .max(MAX_PORT_NAME_LENGTH);

/** One issue per name that repeats an earlier one (or a reserved name), at `[field, index, key?]`. */
export function duplicateNameIssues(
  names: string[],
  field: string,
  options: { key?: string; reserved?: string[] } = {},
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  names.forEach((name, i) => {
    const path = options.key ? [field, i, options.key] : [field, i];
    if (options.reserved?.includes(name)) issues.push({ path, message: `"${name}" is reserved; choose another name` });
    else if (names.indexOf(name) !== i) issues.push({ path, message: `"${name}" is used twice` });
  });
  return issues;
}
