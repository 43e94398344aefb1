import { z } from '@hono/zod-openapi';

/*
 * Numbers in a URL (query and path parameters) are written in decimal digits. `z.coerce.number()` alone reads
 * them as JavaScript's Number() does, so `?limit=1e1`, `0x10`, ` 5` and `5.0` passed as 10, 16, 5 and 5: a typo
 * or a client's float formatting went through unseen. Anything else is a 400 naming the parameter.
 */

const WHOLE = /^[0-9]+$/;
const DECIMAL = /^([0-9]+\.?[0-9]*|\.[0-9]+)$/;

function writtenAs<T extends z.ZodType>(pattern: RegExp, words: string, bounds: T) {
  // The pattern is checked on the text as sent; the bounds (int, min, max) then on the number it reads as.
  return z.preprocess((value, ctx) => {
    if (typeof value === 'string' && !pattern.test(value)) ctx.addIssue({ code: 'custom', message: words });
    return value;
  }, bounds);
}

/** A whole number in digits only (`20`, not `2e1`, `0x14`, `20.0`); `bounds` as `z.coerce.number().int().min(1)`. */
export const wholeNumberParam = <T extends z.ZodType>(bounds: T) => writtenAs(WHOLE, 'a whole number in digits (0-9), e.g. 20', bounds);

/** A number in digits with an optional fraction (`0.5`, `.5`, `1`; not `5e-1`, `0x1`); `bounds` as `z.coerce.number().min(0)`. */
export const decimalParam = <T extends z.ZodType>(bounds: T) => writtenAs(DECIMAL, 'a number in digits (0-9), with a fraction if need be, e.g. 0.5', bounds);
