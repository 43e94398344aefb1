import { describe, expect, it } from 'vitest';
import { newRunId, runPipeline } from '../src/index';
import { pipeline } from './engine-fixtures';

describe('newRunId', () => {
  it('is a UUIDv7 whose first 48 bits are the time it was made', () => {
    const before = Date.now();
    const id = newRunId();
    const after = Date.now();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it('keeps ids made in one millisecond in the order they were made (rows append to the indexes)', () => {
    const ids = Array.from({ length: 5_000 }, () => newRunId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('is the id of a run no caller named (an eval case, `patchbay run`)', async () => {
    const echo = pipeline(
      [
        { id: 'q', type: 'input', config: { name: 'q', valueType: 'string' } },
        { id: 'out', type: 'output', config: { name: 'a' } },
      ],
      ['q.value -> out.value'],
    );
    const first = await runPipeline(echo, { q: 'x' });
    const second = await runPipeline(echo, { q: 'y' });
    expect(first.runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(first.runId < second.runId).toBe(true);
  });
});
