import { describe, expect, it } from 'vitest';
import { moveLabel } from '../src/deploy/labels';
import { DomainError } from '../src/domain-errors';
import { emptyVersion } from './support/empty-version';
import { storeTargets } from './support/store-targets';

// A label move checks its pipeline and version, then moves the label in a transaction of its own. A pipeline
// deleted in between (a DELETE /api/pipelines/NAME racing PUT …/labels/LABEL, on one runner or two) made the
// move's insert break the labels' foreign key: the PUT answered 500 with PostgreSQL's 'insert or update on table
// "labels" violates foreign key constraint "labels_pipeline_fkey"' and a stack trace in the log (16 of 24 PUTs
// racing 6 deletes, by hand). The move now finds the version gone in its transaction and says so (404).
const targets = storeTargets();

const version = emptyVersion;

const isNotFound = (err: unknown) => err instanceof DomainError && err.code === 'pipeline-not-found' && err.message === 'there is no pipeline "race"';

describe.each(targets)('a label move of a pipeline deleted meanwhile, on $name', (target) => {
  it('is refused as "there is no pipeline", not with the foreign key the insert would break', async () => {
    const store = await target.open();
    await store.versions.save(version('race'));
    // What the move checked first still holds when it runs, but the pipeline is gone by then.
    const checked = { ...store, versions: { ...store.versions, get: store.versions.get.bind(store.versions), latest: store.versions.latest.bind(store.versions) } };
    const get = checked.versions.get;
    checked.versions.get = async (pipeline, number) => {
      const found = await get(pipeline, number);
      expect(await store.pipelines.delete('race')).toBe(true);
      return found;
    };
    const refused = await moveLabel(checked, { pipeline: 'race', label: 'production', version: 1, by: 'admin' }).catch((err) => err);
    expect(isNotFound(refused), String(refused)).toBe(true);
    expect(await store.labels.list('race')).toEqual({});
    expect((await store.deployments.list('race', { limit: 10 })).items).toEqual([]);
  });

  it('racing the delete, each move either lands (and is removed with the pipeline, in the history) or is refused so', async () => {
    const store = await target.open();
    const twin = await target.twin(store);
    for (let round = 0; round < 8; round++) {
      await store.versions.save(version('race'));
      const moves = ['a', 'b', 'c', 'd'].map((label) => moveLabel(twin, { pipeline: 'race', label, version: 1, by: 'admin' }).then(() => label, (err) => err));
      const [deleted, ...outcomes] = await Promise.all([store.pipelines.delete('race'), ...moves]);
      expect(deleted).toBe(true);
      const landed = outcomes.filter((o) => typeof o === 'string');
      for (const o of outcomes) if (typeof o !== 'string') expect(isNotFound(o), String(o)).toBe(true);
      // Every label that landed was removed with the pipeline and says so in the history.
      const history = (await store.deployments.list('race', { limit: 1000 })).items.filter((d) => d.note === 'the pipeline was deleted');
      expect(history.length).toBeGreaterThanOrEqual(landed.length);
      expect(await store.labels.list('race')).toEqual({});
    }
  });
});
