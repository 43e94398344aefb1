import { z } from '@hono/zod-openapi';

/** A date, or a date-time with an optional zone: Date.parse alone takes '1' (the year 2001) and 'Dec 1 2026'. */
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Date.parse rolls a day the month does not have over into the next ('2026-02-30' is March 2nd). */
function dayExists(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isIsoTime(s: string): boolean {
  const match = ISO_TIME.exec(s);
  return match !== null && dayExists(Number(match[1]), Number(match[2]), Number(match[3])) && !Number.isNaN(Date.parse(s));
}

/** A time in a query (`from`, `to`, `finishedFrom`…) as epoch milliseconds; anything but ISO 8601 is a 400 naming it. */
export const isoTime = z
  .string()
  .refine(isIsoTime, 'an ISO 8601 date or date-time, e.g. 2026-12-01 or 2026-12-01T00:00:00Z')
  .transform((s) => Date.parse(s));
