import { parseSuite, SUITE_FORMAT, type EvalSuite } from '@patchbay/evals';
import type { DatasetRecord } from '../store/datasets';

/**
 * A suite sent over HTTP (everything but its dataset) over a stored dataset's cases; throws SuiteError.
 * The suite is checked with no cases in it: its hash would otherwise be the canonical JSON of every case
 * again, ~200 ms of held event loop for 60,000 cases, for nothing, as an eval's identity names the cases
 * by the dataset's own content hash.
 */
export function suiteOnDataset(spec: Record<string, unknown>, dataset: DatasetRecord, label: string): EvalSuite {
  const suite = parseSuite({ format: SUITE_FORMAT, ...spec, dataset: [] }, { label, baseDir: '.' });
  return { ...suite, dataset: { inline: dataset.cases, label: `dataset "${dataset.name}"` } };
}
