import { z } from '@hono/zod-openapi';

/** A date, or a date-time with an optional zone: Date.parse alone takes '1' (the year 2001) and 'Dec 1 2026'. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** A time in a query (`from`, `to`, `finishedFrom`…) as epoch milliseconds; anything but ISO 8601 is a 400 naming it. */
export const isoTime = z
  .string()
  .refine((s) => ISO_TIME.test(s) && !Number.isNaN(Date.parse(s)), 'an ISO 8601 date or date-time, e.g. 2026-12-01 or 2026-12-01T00:00:00Z')
  .transform((s) => Date.parse(s));
