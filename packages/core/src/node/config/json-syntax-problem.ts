import { jsonSyntaxError } from '../../engine/json-syntax-error';

/** A config file JSON.parse refused: where and what, never its text (see jsonSyntaxError). */
export function jsonSyntaxProblem(text: string, err: Error): string {
  const { where, reason } = jsonSyntaxError(text, err);
  return `not valid JSON${where ? ` ${where}` : ''}: ${reason}`;
}
