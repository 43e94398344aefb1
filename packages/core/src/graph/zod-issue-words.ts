import type { z } from 'zod';
import { quotedKey } from './json-path';

/**
 * What a zod issue says in plain words, as the predicate of the field it is about
 * ("must be at most 100 characters long", "is required", "must be a list (it is text)"),
 * for zod's own English wording only ("Too big: expected string to have <=100 characters").
 * Undefined for a message a schema wrote itself, which is kept as written.
 */
export function plainIssueWords(issue: z.core.$ZodIssue | z.core.$ZodRawIssue): string | undefined {
  const message = issue.message ?? '';
  switch (issue.code) {
    case 'invalid_type': {
      if (!message.startsWith('Invalid input: expected')) return undefined;
      const received = /, received (\S+)$/.exec(message)?.[1];
      if (received === 'undefined') return 'is required';
      if ((issue.expected === 'int' || issue.expected === 'number') && received === 'number') return 'must be a whole number';
      // 1e400 in JSON (or 400 digits in a URL) reads as Infinity: it is a number, only too large for one.
      if ((issue.expected === 'int' || issue.expected === 'number') && (received === 'Infinity' || received === '-Infinity')) return 'is a number too large (it reads as infinite)';
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
      const actual = received && received !== 'NaN' ? (received === 'boolean' ? 'a boolean' : TYPE_WORDS[received]) : undefined;
      return `must be ${expected}${actual ? ` (it is ${actual})` : ''}`;
    }
    case 'invalid_value':
      if (!/^Invalid (input|option): expected/.test(message)) return undefined;
      return issue.values.length === 1 ? `must be ${quote(issue.values[0])}` : `must be one of ${orList(issue.values.map(quote))}`;
    case 'too_big':
    case 'too_small':
      if (!/^Too (big|small): /.test(message)) return undefined;
      return sizeWords(issue);
    case 'unrecognized_keys': {
      if (!message.startsWith('Unrecognized key')) return undefined;
      const shown = issue.keys.slice(0, 3).map(quotedKey);
      const more = issue.keys.length - shown.length;
      return issue.keys.length === 1 ? `has an unknown field ${shown[0]}` : `has unknown fields ${shown.join(', ')}${more ? ` and ${more} more` : ''}`;
    }
    case 'invalid_format':
      if (!message.startsWith('Invalid ')) return undefined;
      if ('pattern' in issue && issue.pattern && issue.format === 'regex') return `must match ${issue.pattern}`;
      return `must be a valid ${FORMATS[issue.format] ?? issue.format}`;
    case 'not_multiple_of':
      return message.startsWith('Invalid number: ') ? `must be a multiple of ${String(issue.divisor)}` : undefined;
    case 'invalid_union':
      return message.startsWith('Invalid input') || message.startsWith('Invalid discriminator') ? 'fits none of the forms allowed here' : undefined;
    case 'invalid_key':
      return message.startsWith('Invalid key in ') ? 'has a key that is not allowed' : undefined;
    case 'invalid_element':
      return message.startsWith('Invalid value in ') ? 'has an entry that is not allowed' : undefined;
    case 'custom':
      return message === 'Invalid input' ? 'is not valid' : undefined;
    default:
      return undefined;
  }
}

/** A size bound as a predicate: "must be at most 200 characters long", "must have at least one entry", "must be less than 2". */
export function sizeWords(issue: { code: 'too_big' | 'too_small'; origin?: string; exact?: boolean; inclusive?: boolean } & ({ minimum: number | bigint } | { maximum: number | bigint })): string | undefined {
  const small = issue.code === 'too_small';
  const bound = Number('minimum' in issue ? issue.minimum : issue.maximum);
  const within = issue.exact ? 'exactly' : small ? 'at least' : 'at most';
  switch (issue.origin) {
    case 'number':
    case 'int':
    case 'bigint':
      if (issue.inclusive === false && !issue.exact) return small ? `must be greater than ${bound}` : `must be less than ${bound}`;
      return `must be ${within} ${bound}`;
    case 'string':
      if (small && bound === 1 && !issue.exact) return 'cannot be empty';
      return `must be ${within} ${bound} characters long`;
    case 'array':
    case 'set':
      if (small && bound === 1 && !issue.exact) return 'must have at least one entry';
      return `must have ${within} ${bound} entries`;
    default:
      return undefined;
  }
}

/** A zod type (expected or received) in words: `array` → "a list". Node config sentences use them too. */
export const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  object: 'an object',
  record: 'an object',
  map: 'an object',
  null: 'null',
  date: 'a date',
  Infinity: 'infinite',
  '-Infinity': 'infinite',
};

const FORMATS: Record<string, string> = { datetime: 'ISO 8601 date-time', date: 'ISO 8601 date', url: 'URL', uuid: 'UUID', email: 'email address' };

const quote = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : String(value));
/** `a, b or c`. */
export const orList = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`);
