import { HttpProblem } from '../http/problem';
import type { Store } from '../store/index';

/**
 * A route about one stored pipeline (its monitors, rules, alerts, scores, metrics) answers 404 for
 * a name it does not have: an empty 200 would read as "no traffic" where the name was mistyped.
 * `field` names where a query or body gave the name (`query.pipeline`); a name in the URL path is not repeated.
 */
export async function assertPipelineKnown(store: Pick<Store, 'pipelines'>, name: string, field?: string): Promise<void> {
  if (await store.pipelines.get(name)) return;
  throw new HttpProblem(404, `there is no pipeline "${name}"`, { type: 'pipeline-not-found', ...(field ? { errors: [{ path: field, message: 'no such pipeline' }] } : {}) });
}
