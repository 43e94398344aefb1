import { z } from 'zod';
import { orList, sizeWords, TYPE_WORDS } from './zod-issue-words';

/**
 * Config problems as sentences a person reads ("Temperature must be between 0 and 2."), not
 * zod's own wording ("Too big: expected number to be <=2"). Used as the per-parse error map of a
 * node's config schema: a message a node file wrote itself ("Choose an index.") wins over it.
 */
export function configErrorMap(schema: z.ZodType): z.core.$ZodErrorMap {
  return (issue) => {
    const key = [...(issue.path ?? [])].reverse().find((p): p is string => typeof p === 'string');
    const label = key ? fieldLabel(key) : 'The value';
    const top = issue.path?.length === 1 && typeof issue.path[0] === 'string' ? issue.path[0] : undefined;
    switch (issue.code) {
      case 'too_small':
      case 'too_big': {
        const bounds = top ? numberBounds(schema, top) : undefined;
        if (issue.origin === 'number' && bounds) return `${label} must be between ${bounds.min} and ${bounds.max}.`;
        return sizeSentence(label, issue);
      }
      case 'invalid_type':
        if (issue.input === undefined) return `${label} is required.`;
        return `${label} must be ${TYPE_WORDS[issue.expected] ?? issue.expected}.`;
      case 'invalid_value':
        return `${label} must be ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${orList(issue.values.map(String))}`}.`;
      default:
        return undefined;
    }
  };
}

/** `topK` → `Top K`, `maxTokens` → `Max tokens`, `embeddingModel` → `Embedding model`. */
export function fieldLabel(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(' ');
  return words.map((w, i) => (i === 0 ? w[0].toUpperCase() + w.slice(1) : w.length === 1 ? w : w.toLowerCase())).join(' ');
}

function sizeSentence(label: string, issue: z.core.$ZodRawIssue<z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig>): string | undefined {
  const words = sizeWords(issue);
  return words && `${label} ${words}.`;
}

/** Both bounds of a number field (through optional/default wrappers), when it has both. */
function numberBounds(schema: z.ZodType, key: string): { min: number; max: number } | undefined {
  let field: unknown = schema instanceof z.ZodObject ? schema.shape[key] : undefined;
  while (field instanceof z.ZodOptional || field instanceof z.ZodDefault || field instanceof z.ZodNullable) field = field.unwrap();
  if (!(field instanceof z.ZodNumber)) return undefined;
  const { minValue: min, maxValue: max } = field;
  // an int's own safe-integer range is no bound a person set
  const set = (n: number | null): n is number => n !== null && Math.abs(n) < Number.MAX_SAFE_INTEGER;
  return set(min) && set(max) ? { min, max } : undefined;
}
