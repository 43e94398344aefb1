import { z } from 'zod';

/** The longest a timer waits: Node fires a longer setTimeout after 1 ms (with only a warning in the log). */
export const MAX_TIME_LIMIT_MS = 2_147_483_647;

/** A time limit in milliseconds: a node's timeoutMs, a provider's or a tool's. */
export const timeLimitMs = () =>
  z.number().int().positive().max(MAX_TIME_LIMIT_MS, `a time limit is at most ${MAX_TIME_LIMIT_MS} ms (about 24.8 days)`);
