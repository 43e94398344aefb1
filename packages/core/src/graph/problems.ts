import type { z } from 'zod';
import { jsonPath } from './json-path';
import { plainIssueWords } from './zod-issue-words';

/** One thing wrong with a pipeline document. */
export interface Problem {
  /** JSON path into the document: `$`, `$.nodes[2].config.topK`, `$.edges[0].to`. */
  path: string;
  /** One of PROBLEM_CODES for documents and inputs; other parts may add their own. */
  code: string;
  message: string;
  /** Ids of the nodes involved (the editor highlights them). */
  nodes?: string[];
}

/** Every validation code with its one-line meaning (the README and the editor list these). */
export const PROBLEM_CODES = {
  'not-an-object': 'the document is not a JSON object',
  'wrong-format': 'the `format` field is not "patchbay.pipeline/v1"',
  'invalid-document': 'a field of the document, a node or an edge has the wrong shape',
  'unknown-node-type': 'a node names a type that does not exist',
  'invalid-config': "a node's config does not fit its type (schema, template syntax, expression syntax)",
  'unknown-config-key': "a node's config has a key its type does not know (a typo: the message suggests the closest known key)",
  'unknown-node-key':
    "a node has a key beside config that is a slip for one it has (`timeoutMS`) or a config key put outside config (`model`)",
  'unknown-document-key': 'the document has a key that is a slip for one it has (`descripton`, `edge`, `ｎａｍｅ` in full-width letters)',
  'duplicate-node-id': 'two nodes share an id',
  'missing-node': 'an edge starts or ends at a node that does not exist',
  'missing-port': 'an edge starts or ends at a port the node does not have',
  'type-mismatch': 'an edge joins port types that do not fit and have no coercion',
  'input-connected-twice': 'more than one edge goes into the same input port',
  'unconnected-input': 'a required input port has no edge into it',
  'unconnected-template-variable': 'a template uses a variable that no edge feeds',
  cycle: 'nodes form a cycle (every node on it is named)',
  'unresolved-pipeline': "a `pipeline` or `map` node's `ref` does not resolve to a stored version without problems, or pipelines call each other in a cycle (the chain is named)",
  'duplicate-input-name': 'two input nodes have the same name',
  'duplicate-output-name': 'two output nodes have the same name',
  'unreachable-output': 'an output node has no path from any input node',
  'empty-pipeline': 'the document has no nodes (it can be saved as a start, not run)',
  'internal-error': 'validation itself failed (a bug: please report it)',
  // Run inputs (checkInputs), path `$.inputs.NAME`:
  'invalid-inputs': 'the inputs given to a run are not a JSON object',
  'missing-input': 'a required pipeline input (one without a default) was not given',
  'input-type': "an input's value does not fit the input node's valueType",
  'unknown-input': 'a value was given for an input the pipeline does not have (only when asked to check)',
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;

/**
 * Converts a zod issue to a problem. `prefix` is the path of the value zod
 * parsed; the message names the node and the field from `fieldStart` on
 * (`node "search": config.topK must be at most 100`).
 */
export function zodIssueProblem(
  issue: z.core.$ZodIssue,
  code: ProblemCode,
  prefix: readonly PropertyKey[],
  node?: string,
  fieldStart = 0,
): Problem {
  const path = [...prefix, ...issue.path];
  const field = jsonPath(path.slice(fieldStart), '').replace(/^\./, '');
  const missing = issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined;
  // zod's own wording in plain words; a schema's own message is kept, and not prefixed with a field it names already.
  const words = plainIssueWords(issue);
  const what = missing
    ? `${field || 'value'} is missing`
    : words
      ? `${field || 'the value'} ${words}`
      : field && !issue.message.startsWith(`${field} `)
        ? `${field}: ${issue.message}`
        : issue.message;
  return { path: jsonPath(path), code, message: node ? `node "${node}": ${what}` : what, ...(node ? { nodes: [node] } : {}) };
}
