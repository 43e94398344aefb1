import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRedis } from '../../../test/support/redis-server';
import { cleanEnv, runCli, startCli, workspace } from './cli-child';

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
    [['worker', '--store', 'data', '--queue', 'redis://:secret-pw@127.0.0.1:1', '--grace-ms', 'soon'], /--grace-ms must be an integer from 0 to 3600000, got "soon"/],
    // A mistyped data dir would otherwise become a fresh empty store whose worker takes jobs and fails them.
    [['worker', '--store', 'no-such-dir', '--queue', 'redis://127.0.0.1:1'], /--store .*no-such-dir holds no runner store \(runner\.sqlite\)/],
    [['worker', '--store', 'sqlite:.', '--queue', 'redis://127.0.0.1:1'], /holds no runner store/],
    // A negative number is the flag's value (node's parseArgs called it "ambiguous"), and is refused for what it is.
    [['worker', '--store', 'data', '--queue', 'redis://127.0.0.1:1', '--concurrency', '-1'], /--concurrency must be an integer from 1 to 1024, got "-1"/],
    [['serve', '--queue', 'redis://127.0.0.1:1', '--stalled-ms', '-5'], /--stalled-ms must be an integer from 100 to 3600000, got "-5"/],
    [['worker', '--store', 'data', '--queue', 'redis://127.0.0.1:1', '--grace-ms', '-1'], /--grace-ms must be an integer from 0 to 3600000, got "-1"/],
    // Past 2^31 ms Node's setTimeout fires at once: a grace of 3,000,000,000 ms was no grace at all.
    [['worker', '--store', 'data', '--queue', 'redis://127.0.0.1:1', '--grace-ms', '3000000000'], /--grace-ms must be an integer from 0 to 3600000, got "3000000000"/],
    // ioredis would send SELECT NaN and die on the reply with a stack trace.
    [['worker', '--store', 'data', '--queue', 'redis://:secret-pw@127.0.0.1:1/abc'], /--queue: the database after the port must be a number \(redis:\/\/HOST:PORT\/0\), got "\/abc"/],
    [['serve', '--queue', 'redis://127.0.0.1:1/0/x'], /--queue: the database after the port must be a number/],
  ];
  it('worker --help shows every option it takes in its usage line, --stalled-ms and --grace-ms included', async () => {
    const ws = workspace({});
    try {
      const help = await runCli(['worker', '--help'], ws.dir, cleanEnv());
      expect(help.code).toBe(0);
      const usage = help.stdout.split('\n\n')[0];
      for (const flag of ['--store', '--queue', '--concurrency', '--stalled-ms', '--grace-ms', '--cache-dir']) expect(usage, flag).toContain(flag);
    } finally {
      ws.remove();
    }
  });

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

  it('names PATCHBAY_QUEUE / PATCHBAY_STORE, not a flag never given, when the bad value came from the environment (compose sets them so)', async () => {
    const ws = workspace({});
    try {
      const envCases: Array<[string[], Record<string, string>, RegExp]> = [
        [['worker', '--store', 'data'], { PATCHBAY_QUEUE: 'http://redis:6379' }, /^patchbay worker: PATCHBAY_QUEUE must be a redis:\/\/ or rediss:\/\/ URL/],
        [['serve'], { PATCHBAY_QUEUE: 'redis://redis:6379/abc' }, /^patchbay serve: PATCHBAY_QUEUE: the database after the port must be a number/],
        [['worker', '--queue', 'redis://127.0.0.1:1'], { PATCHBAY_STORE: 'mysql://db/x' }, /^patchbay worker: PATCHBAY_STORE must be a data dir/],
        [['worker', '--queue', 'redis://127.0.0.1:1'], { PATCHBAY_STORE: 'no-such-dir' }, /^patchbay worker: PATCHBAY_STORE .*no-such-dir holds no runner store/],
        [['serve'], { PATCHBAY_STORE: 'mysql://db/x' }, /^patchbay serve: PATCHBAY_STORE must be a postgres:\/\/ URL/],
        [['keys', 'list'], { PATCHBAY_STORE: 'no-such-dir' }, /^patchbay keys: PATCHBAY_STORE .*no-such-dir holds no runner store/],
        [['index', 'docs', 'a.md'], { PATCHBAY_STORE: 'mysql://db/x' }, /^patchbay index: PATCHBAY_STORE must be a data dir/],
        // A flag given wins over the variable and is the one named.
        [['worker', '--store', 'mysql://db/x', '--queue', 'redis://127.0.0.1:1'], { PATCHBAY_STORE: 'data' }, /^patchbay worker: --store must be a data dir/],
      ];
      for (const [args, vars, reason] of envCases) {
        const result = await runCli(args, ws.dir, cleanEnv({ PATCHBAY_DEMO: '0', ...vars }));
        const what = `${JSON.stringify(vars)} patchbay ${args.join(' ')}: ${result.stderr}`;
        expect(result.code, what).toBe(2);
        expect(result.stderr.trim(), what).toMatch(reason);
        expect(result.stderr.trim().split('\n'), what).toHaveLength(1);
      }
    } finally {
      ws.remove();
    }
  }, 120_000);

  it('stops serve at start with one line (exit 1) when Redis refuses the database the URL names, instead of taking no jobs and logging forever', async () => {
    const redis = await startRedis();
    const ws = workspace({});
    try {
      // A worker that started anyway logs each refusal of its job connections: stop it there, not at the test's timeout.
      const result = await startCli(['serve', '--port', '0', '--no-demo', '--queue', `${redis.url}/99`], {
        cwd: ws.dir,
        env: cleanEnv({ PATCHBAY_DEMO: '0' }),
        onStderr: (soFar, child) => void (/ worker: ERR /.test(soFar) && child.kill('SIGKILL')),
      });
      expect(result.code, result.stderr).toBe(1);
      // (serve may say first that it published the workspace config: the reason is the last line, and the only error)
      expect(result.stderr.trim().split('\n').at(-1)).toMatch(/^patchbay serve: cannot reach the queue at redis:\/\/127\.0\.0\.1:\d+\/99: .*database 99.*DB index is out of range/);
      expect(result.stderr).not.toMatch(/worker: ERR|\n\s+at /);
    } finally {
      ws.remove();
      await redis.stop();
    }
  }, 120_000);

  // The line says why, as the connection last heard it: before, a mistyped host or port read "Redis did not
  // answer; nothing was started, try again shortly" (the wording of an HTTP 503), whatever the cause.
  it('says why the queue is out of reach (refused, unknown host), masking a password given as a query parameter (ioredis takes one there too)', async () => {
    const [ws, other] = [workspace({}), workspace({})];
    try {
      const [refused, unknown] = await Promise.all([
        runCli(['serve', '--port', '0', '--no-demo', '--queue', 'redis://127.0.0.1:1/0?password=secret-pw'], ws.dir, cleanEnv({ PATCHBAY_DEMO: '0' })),
        runCli(['serve', '--port', '0', '--no-demo', '--queue', 'redis://no-such-host.invalid:6379'], other.dir, cleanEnv({ PATCHBAY_DEMO: '0' })),
      ]);
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stderr.trim().split('\n').at(-1)).toMatch(/^patchbay serve: cannot reach the queue at redis:\/\/127\.0\.0\.1:1\/0\?password=\*\*\*: no answer within 10 s \(connect ECONNREFUSED 127\.0\.0\.1:1\)$/);
      expect(refused.stdout + refused.stderr).not.toContain('secret-pw');
      expect(unknown.code, unknown.stderr).toBe(1);
      expect(unknown.stderr.trim().split('\n').at(-1)).toEqual(expect.stringMatching(/^patchbay serve: cannot reach the queue at redis:\/\/no-such-host\.invalid:6379: no answer within 10 s \(getaddrinfo (ENOTFOUND|EAI_AGAIN) no-such-host\.invalid\)$/));
    } finally {
      ws.remove();
      other.remove();
    }
  }, 120_000);
});
