// A real `patchbay serve` process for the benches that drive the runner over HTTP (runner, monitor, serve).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../apps/runner/bin/patchbay.js', import.meta.url));
/** Node's flags for a runner that takes traffic, as `npm start` and docs/deploy.md run it (a larger young generation). */
const SERVE_NODE_FLAGS = ['--max-semi-space-size=32'];

export interface RunnerProcess {
  url: string;
  pid: number;
  /** SIGTERM, then resolves once the process has exited. */
  stop(): Promise<void>;
}

/**
 * Starts a runner on a free loopback port over `dataDir`, with no token and no demo workspace
 * (only what the bench saves runs), and `env` on top of this process's environment, with Node's
 * flags for serving (SERVE_NODE_FLAGS). More Node flags for the runner alone come from
 * BENCH_RUNNER_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it under the bench's load
 * (a flag given there twice wins: `--max-semi-space-size=16` measures Node's default).
 */
export function startRunner(dataDir: string, env: Record<string, string> = {}): Promise<RunnerProcess> {
  const nodeArgs = (process.env.BENCH_RUNNER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...SERVE_NODE_FLAGS, ...nodeArgs, BIN, 'serve', '--port', '0', '--data', dataDir], {
    env: { ...process.env, PATCHBAY_TOKEN: '', PATCHBAY_DEMO: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const match = /Patchbay listening on (\S+)/.exec(out);
      if (match) resolve({ url: match[1], pid: child.pid!, stop: () => (child.kill('SIGTERM'), exited) });
    });
    void exited.then(() => reject(new Error('the runner exited before listening')));
  });
}

/**
 * CPU time (user + system) a process has used so far, in ms (Linux /proc; clock ticks of 10 ms): all its
 * threads, or with `mainThread` only the one that runs its event loop (what a request waits for).
 */
export function cpuMs(pid: number, mainThread = false): number {
  const fields = fs.readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
