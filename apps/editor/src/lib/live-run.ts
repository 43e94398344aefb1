/**
 * The run this tab started on a pipeline and has not seen end, kept in sessionStorage (the
 * tab's own, and it survives a reload), so a reload mid-run picks the run up again.
 */
const key = (pipeline: string) => `patchbay.live-run.${pipeline}`;

// storage can be unavailable (a privacy mode): then a reload simply forgets the run
function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined;
  }
}

export function rememberLiveRun(pipeline: string, runId: string): void {
  storage()?.setItem(key(pipeline), runId);
}

export function liveRun(pipeline: string): string | undefined {
  return storage()?.getItem(key(pipeline)) ?? undefined;
}

export function forgetLiveRun(pipeline: string, runId: string): void {
  if (liveRun(pipeline) === runId) storage()?.removeItem(key(pipeline));
}
