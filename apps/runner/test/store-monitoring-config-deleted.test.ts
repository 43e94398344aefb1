import { describe, expect, it } from 'vitest';
import { emptyVersion } from './support/empty-version';
import { storeTargets } from './support/store-targets';

// Monitors and alert rules are kept per pipeline name, and "a new pipeline of its name starts with none"
// (docs/monitoring.md). PUT …/monitors (and …/alert-rules) checks the pipeline and then writes its list; a
// DELETE /api/pipelines/NAME in between (its runner emptied the lists after the delete) was followed by that
// write: the rules outlived the pipeline and a pipeline made again under the name had them, firing webhooks
// nobody had set for it. A list is now written only while its pipeline is there, and a delete empties them
// in its own transaction.
const targets = storeTargets();

const version = emptyVersion;

const RULES = [{ name: 'r', metric: 'errorRate', window: 5, op: 'above', threshold: 0.5, webhook: 'http://127.0.0.1:9/x' }];

describe.each(targets)('monitoring lists of a pipeline deleted meanwhile, on $name', (target) => {
  it('are not written once the pipeline is gone, and a delete empties them', async () => {
    const store = await target.open();
    await store.versions.save(version('race'));
    expect(await store.monitors.setConfig('race', 'alert-rules', RULES)).toBe(true);
    expect(await store.pipelines.delete('race')).toBe(true);
    // Emptied with the pipeline, in the store every server reads: none of them keeps the rules.
    expect(await store.monitors.getConfig('race', 'alert-rules')).toEqual([]);
    expect((await store.monitors.allConfigs('alert-rules')).get('race')).toEqual([]);
    // A PUT that checked the pipeline before the delete writes nothing after it.
    expect(await store.monitors.setConfig('race', 'alert-rules', RULES)).toBe(false);
    expect(await store.monitors.setConfig('race', 'monitors', [{ name: 'm' }])).toBe(false);
    await store.versions.save(version('race'));
    expect(await store.monitors.getConfig('race', 'alert-rules')).toEqual([]);
    expect(await store.monitors.getConfig('race', 'monitors')).toEqual([]);
  });

  it('racing the delete, a pipeline made again under the name starts with none', async () => {
    const store = await target.open();
    const twin = await target.twin(store);
    for (let round = 0; round < 8; round++) {
      await store.versions.save(version('race'));
      const [deleted] = await Promise.all([store.pipelines.delete('race'), twin.monitors.setConfig('race', 'alert-rules', RULES), twin.monitors.setConfig('race', 'monitors', [{ name: 'm' }])]);
      expect(deleted).toBe(true);
      expect(await store.monitors.getConfig('race', 'alert-rules')).toEqual([]);
      expect(await store.monitors.getConfig('race', 'monitors')).toEqual([]);
    }
  });
});
