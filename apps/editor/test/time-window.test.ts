import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('the names of chart steps, away from UTC', () => {
  const tz = process.env.TZ;
  let stepText: (t: number, stepMs: number) => string;
  beforeAll(async () => {
    // A user in California: the runner's day steps are UTC days, 16:00 to 16:00 here.
    process.env.TZ = 'America/Los_Angeles';
    ({ stepText } = await import('../src/monitoring/time-window'));
  });
  afterAll(() => {
    process.env.TZ = tz;
  });

  it('names a day step by the UTC day it holds (Dec 3 UTC is not "Dec 2", where it starts locally)', () => {
    const dec3 = Date.UTC(2026, 11, 3);
    expect(stepText(dec3, DAY)).toMatch(/^Dec 3 \(UTC\)$/);
  });

  it('names an hour step in local time, across the change to summer time', () => {
    // 2026-03-08 02:00 PST does not exist: 10:00 UTC is 03:00 PDT.
    expect(stepText(Date.UTC(2026, 2, 8, 9), HOUR)).toMatch(/01:00.*–03:00/);
  });
});
