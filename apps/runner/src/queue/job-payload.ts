import { UnrecoverableError } from 'bullmq';
import { plainIssueWords, shownJsonPath } from '@patchbay/core';
import type { z } from 'zod';

/** A job whose data is not what its queue carries (pushed by hand, by a script, by another version): failed once, never retried. */
export class MalformedJobError extends UnrecoverableError {}

/**
 * Checks a job's data against its queue's schema before a worker reads it, and throws MalformedJobError naming
 * the queue, the job and the first thing wrong. Paths and zod's words only, never a value: a job's inputs may
 * hold a secret. The data is returned as it came (the schema only checks what a worker reads).
 */
export function checkedJobData<T>(queue: string, jobId: string | undefined, schema: z.ZodType, data: unknown): T {
  const parsed = schema.safeParse(data);
  if (parsed.success) return data as T;
  const [first, ...rest] = parsed.error.issues;
  const what = `${shownJsonPath(first.path)} ${plainIssueWords(first) ?? 'is not valid'}${rest.length ? ` (and ${rest.length} more)` : ''}`;
  throw new MalformedJobError(`${queue} queue: job ${jobId} is malformed, ${what}; it is failed, not run`);
}
