import { checkJsonLimits, type JsonLimitProblem } from '../../engine/json-limits';
import { jsonSyntaxError } from '../../engine/json-syntax-error';

/** What an edge asks of a JSON text besides parsing (checkJsonLimits' edge checks). */
export interface JsonEdgeChecks {
  maxDepth?: number;
  refuseProtoKey: true;
  refuseLoneSurrogates?: boolean;
}

/** A parsed text, or why it was refused: malformed (where and why, never quoting it), or past a limit. */
export type CheckedJson<T = unknown> = { value: T } | { syntax: { where?: string; reason: string } } | { limit: JsonLimitProblem };

/** JSON.parse and (with `checks`) checkJsonLimits, as one answer: what the JSON thread does, and the main thread for short texts. */
export function checkedParse(text: string, checks?: JsonEdgeChecks): CheckedJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { syntax: jsonSyntaxError(text, err) };
  }
  const limit = checks ? checkJsonLimits(value, checks) : undefined;
  return limit ? { limit } : { value };
}
