import { LabelTargetGoneError, type LabelMove, type LabelState, type Store } from '../store/index';
import { DomainError } from '../domain-errors';
import { problemsNow } from '../pipelines/problems-now';
import { storeResolverOf } from '../pipelines/pipeline-resolver';
import { checkCallers, type BrokenCaller, type CallersCheck } from './label-callers';

/**
 * Moves (or creates) a label after checking its target: the pipeline and the
 * version exist (404) and the version has no problems (422: a label must
 * always point at something that runs). The move is appended to the history;
 * a label that holds the version already is answered as it is, recording nothing.
 * With `callers`, a move that would stop another labelled version calling this label from running is refused
 * (409 `label-has-callers`), or with `force` made and recorded as forced (`forced` in the answer: the history's).
 */
export async function moveLabel(
  store: Pick<Store, 'versions' | 'labels'>,
  move: LabelMove,
  options: { callers?: CallersCheck } = {},
): Promise<LabelState & { label: string; from: number | null; forced: boolean }> {
  const version = await store.versions.get(move.pipeline, move.version);
  if (!version) {
    const latest = await store.versions.latest(move.pipeline);
    if (!latest) throw new DomainError('pipeline-not-found', `there is no pipeline "${move.pipeline}"`);
    throw new DomainError('version-not-found', `pipeline "${move.pipeline}" has no version ${move.version} (latest is ${latest.number})`);
  }
  const problems = await problemsNow(version, storeResolverOf(store));
  if (problems.length > 0) {
    const first = problems[0];
    throw new DomainError('version-invalid', `version ${move.version} of "${move.pipeline}" has problems, so no label can point at it: ${first.path}: ${first.message}`, { problems });
  }
  if (options.callers) {
    const stopped = await checkCallers(store, { pipeline: move.pipeline, label: move.label, version: move.version }, options.callers, { at: '$.version' });
    if (stopped.length > 0) move = { ...move, forced: true, note: withCallers(move.note, stopped) };
  }
  const { from, state } = await store.labels.move(move).catch((err) => {
    // Deleted since it was checked above (a DELETE racing this move): as a move of a pipeline that was never there.
    if (!(err instanceof LabelTargetGoneError)) throw err;
    throw new DomainError(err.pipelineGone ? 'pipeline-not-found' : 'version-not-found', err.message);
  });
  return { label: move.label, ...state, from, forced: move.forced === true };
}

/** A forced move's note says what the force went past: the callers it stops (the first three, then how many more). */
function withCallers(note: string | null | undefined, stopped: readonly BrokenCaller[]): string {
  const names = stopped.slice(0, 3).map((c) => `${c.pipeline}@${c.label} (v${c.version})`).join(', ');
  const more = stopped.length > 3 ? ` and ${stopped.length - 3} more` : '';
  const past = `forced past ${stopped.length === 1 ? 'a caller' : 'callers'} it stops: ${names}${more}`;
  return note ? `${note}; ${past}` : past;
}

/** Removes a label (recorded in the history as a move to nothing); with `callers` `keep-running`, not while a labelled version needs it (409). */
export async function removeLabel(
  store: Pick<Store, 'pipelines' | 'versions' | 'labels'>,
  pipeline: string,
  label: string,
  by: string,
  options: { callers?: CallersCheck } = {},
): Promise<void> {
  if (!(await store.pipelines.get(pipeline))) throw new DomainError('pipeline-not-found', `there is no pipeline "${pipeline}"`);
  if (options.callers && (await store.labels.get(pipeline, label))) await checkCallers(store, { pipeline, label, version: null }, options.callers);
  const removed = await store.labels.remove(pipeline, label, by);
  if (!removed) throw new DomainError('label-not-set', await labelNotSetMessage(store, pipeline, label), { labels: Object.keys(await store.labels.list(pipeline)) });
}

export async function labelNotSetMessage(store: Pick<Store, 'labels'>, pipeline: string, label: string): Promise<string> {
  const labels = Object.keys(await store.labels.list(pipeline));
  return `pipeline "${pipeline}" has no label "${label}"; ${labels.length ? `its labels: ${labels.join(', ')}` : 'it has no labels yet'}`;
}
