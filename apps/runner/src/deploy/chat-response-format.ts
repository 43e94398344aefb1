import { getNodeType, type PipelineDocument } from '@patchbay/core';
import { DomainError } from '../domain-errors';
import { answerSource } from './chat-mapping';

/** The `response_format` a client may send; only its `type` is read (a json_schema's schema is not applied: see jsonAnswer). */
export type ResponseFormatType = 'text' | 'json_object' | 'json_schema';

// Port types whose values are never JSON text: a pipeline answering through one cannot honour a JSON response_format.
const NOT_JSON = new Set(['string', 'number', 'boolean']);

/**
 * Refuses a JSON `response_format` before the run when the answer cannot be JSON: it comes from a port that
 * carries text (an llm's `text`, a template, an input) or a lone number. A `json` or `any` port may: its value is
 * checked when the run ends (jsonAnswer).
 */
export function assertCanAnswerJson(doc: PipelineDocument, output: string, format: ResponseFormatType): void {
  if (format === 'text') return;
  const source = answerSource(doc, output);
  if (!source) return;
  const type = getNodeType(source.node.type)?.outputs(source.node.config as never).find((p) => p.name === source.port)?.type;
  if (type === undefined || !NOT_JSON.has(type)) return;
  const kind = type === 'string' ? 'text' : `a ${type}`;
  const hint = source.node.type === 'llm' ? `: give node "${source.node.id}" a jsonSchema and answer with its json output, or leave response_format out` : ': leave response_format out';
  const message = `pipeline "${doc.name}" answers with ${kind} (output "${output}" is node "${source.node.id}"'s ${source.port}), not JSON, so it cannot answer response_format ${format}${hint}`;
  throw new DomainError('response-format-unsupported', message, { errors: [{ path: '$.response_format', message }] });
}

/**
 * The answer as the JSON text a JSON `response_format` promises, or why the run's answer is not that: a string
 * that parses is sent as it is, any other value as JSON; json_object needs an object. The request's json_schema is
 * not compiled: a JSON Schema validator takes its schema as trusted code, and the pipeline's own nodes (an llm's
 * jsonSchema) shape its answer.
 */
export function jsonAnswer(value: unknown, format: Exclude<ResponseFormatType, 'text'>, runId: string): { text: string } | { problem: string } {
  let parsed = value;
  let text: string;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return { problem: `the answer of run ${runId} is not JSON, which response_format ${format} asks for: ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)}` };
    }
    text = value;
  } else {
    text = JSON.stringify(value ?? null);
  }
  if (format === 'json_object' && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) {
    const what = Array.isArray(parsed) ? 'a JSON array' : parsed === null ? 'null' : `a JSON ${typeof parsed}`;
    return { problem: `the answer of run ${runId} is ${what}, not the object response_format json_object asks for` };
  }
  return { text };
}
