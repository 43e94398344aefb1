import { z } from 'zod';

/**
 * What a worker reads of a `run` job before anything else: the run's id (its record), its document and inputs.
 * A job pushed onto the queue by hand that lacks them is failed with the reason, not run (queue/job-payload.ts);
 * the document itself is checked by the engine, which records a run it cannot compile as failed.
 */
export const runJobPayload = z.object({
  id: z.string().min(1),
  startedAt: z.number(),
  document: z.looseObject({ nodes: z.array(z.unknown()) }),
  inputs: z.record(z.string(), z.unknown()),
  pipeline: z.string().nullable(),
  version: z.number().nullable(),
  inline: z.boolean(),
});
