import { ApiError } from '../lib/api-client';

/** A caller the runner named in a 409 `label-has-callers`: its labelled version and why it would stop running. */
export interface LabelCaller {
  pipeline: string;
  label: string;
  version: number;
  problem: string;
}

/** The callers of a 409 `label-has-callers` (the runner names at least one); undefined for any other failure. */
export function labelCallers(err: unknown): LabelCaller[] | undefined {
  if (!(err instanceof ApiError) || err.status !== 409) return;
  const body = err.body as { type?: string; callers?: LabelCaller[] } | undefined;
  if (body?.type !== 'urn:patchbay:problem:label-has-callers' || !body.callers?.length) return;
  return body.callers;
}
