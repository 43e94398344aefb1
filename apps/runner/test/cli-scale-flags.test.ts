import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli, workspace } from './cli-child';

/** Bad scale-out flags: one line naming the problem, exit 2, before anything starts. */
describe('patchbay serve / worker: scale-out flags', () => {
  const cases: Array<[string[], RegExp]> = [
    [['serve', '--queue', 'http://127.0.0.1:6379'], /--queue must be a redis:\/\/ or rediss:\/\/ URL/],
    [['serve', '--queue', 'not a url'], /--queue must be a redis:\/\/HOST:PORT URL/],
    [['serve', '--no-work'], /--work and --no-work go with --queue/],
    [['serve', '--queue', 'redis://127.0.0.1:1', '--work', '--no-work'], /contradict/],
    [['serve', '--concurrency', '4'], /go with --queue/],
    [['worker', '--queue', 'redis://127.0.0.1:1'], /--store is required/],
    [['worker', '--store', 'data'], /--queue redis:\/\/HOST:PORT is required/],
    [['worker', '--store', 'data', '--queue', 'redis://127.0.0.1:1', '--concurrency', '0'], /--concurrency must be an integer from 1/],
    [['worker', '--store', 'mysql://db/x', '--queue', 'redis://127.0.0.1:1'], /--store must be a data dir/],
    [['worker', '--store', 'data', '--queue', 'redis://:secret-pw@127.0.0.1:1', '--grace-ms', 'soon'], /--grace-ms must be a whole number/],
    // A mistyped data dir would otherwise become a fresh empty store whose worker takes jobs and fails them.
    [['worker', '--store', 'no-such-dir', '--queue', 'redis://127.0.0.1:1'], /--store .*no-such-dir holds no runner store \(runner\.sqlite\)/],
    [['worker', '--store', 'sqlite:.', '--queue', 'redis://127.0.0.1:1'], /holds no runner store/],
  ];
  it('refuses each with one line naming the problem and exit 2 ', async () => {
    const ws = workspace({});
    try {
      // Four CLI processes at a time: the machine is small and shared.
      const results: Awaited<ReturnType<typeof runCli>>[] = [];
      for (let i = 0; i < cases.length; i += 4) {
        results.push(...(await Promise.all(cases.slice(i, i + 4).map(([args]) => runCli(args, ws.dir, cleanEnv({ PATCHBAY_DEMO: '0' }))))));
      }
      results.forEach((result, i) => {
        const [args, reason] = cases[i];
        const what = `patchbay ${args.join(' ')}: ${result.stderr}`;
        expect(result.code, what).toBe(2);
        expect(result.stderr, what).toMatch(reason);
        expect(result.stderr.trim().split('\n'), what).toHaveLength(1);
        expect(result.stderr, what).not.toContain('secret-pw');
      });
      expect(existsSync(path.join(ws.dir, 'no-such-dir'))).toBe(false);
      expect(existsSync(path.join(ws.dir, 'runner.sqlite'))).toBe(false);
    } finally {
      ws.remove();
    }
  }, 120_000);
});
