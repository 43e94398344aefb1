import { count } from '../lib/count';
import { RunnerNamePicker, useRunnerList, type RunnerNames } from './RunnerNamePicker';

interface IndexInfo {
  name: string;
  chunks: number;
  embeddingModel: string | null;
}

/** The runner's retrieval indexes (`GET /api/indexes`), with their chunk counts and whether they hold vectors. */
const INDEX_NAMES: RunnerNames<IndexInfo> = {
  load: (api) => api.listIndexes(),
  noun: 'index',
  plural: 'indexes',
  article: 'an',
  placeholder: 'docs',
  optionLabel: (i) => `${i.name} (${count(i.chunks, 'chunk')}${i.embeddingModel ? `, vectors by ${i.embeddingModel}` : ', keyword only'})`,
  none: (
    <>
      The runner has no index yet: <code>patchbay index NAME FILES…</code> makes one.
    </>
  ),
  // an index can be made later, e.g. by `patchbay index` on another machine
  unknownTail: ' yet',
};

/** A retrieval index field: pick one of the runner's indexes, or type a name (an index made later). */
export function IndexPicker(props: { id: string; value: string; disabled?: boolean; onChange(name: string): void }) {
  return <RunnerNamePicker {...props} names={INDEX_NAMES} list={useRunnerList(INDEX_NAMES)} />;
}
