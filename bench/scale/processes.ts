// The processes of a scaled-out Patchbay for bench/scale: `patchbay serve` and `patchbay worker` as real children.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../apps/runner/bin/patchbay.js', import.meta.url));

export interface Child {
  pid: number;
  child: ChildProcess;
  /** SIGTERM (or `signal`), then resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `patchbay ARGS`; resolves once its stdout matches `ready` (with the match). */
function start(args: string[], env: Record<string, string>, ready: RegExp): Promise<Child & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, PATCHBAY_TOKEN: '', PATCHBAY_DEMO: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const match = ready.exec(out);
      if (match) resolve({ pid: child.pid!, child, match, stop: (signal = 'SIGTERM') => (child.kill(signal), exited) });
    });
    void exited.then(() => reject(new Error(`patchbay ${args[0]} exited before it was ready: ${out.trim().split('\n').slice(-3).join(' | ')}`)));
  });
}

/** `patchbay serve` on a free loopback port; with `queue`, a pure front door (--no-work) on that queue. */
export async function startServe(dataDir: string, env: Record<string, string>, queue?: string): Promise<Child & { url: string }> {
  const args = ['serve', '--port', '0', '--data', dataDir, ...(queue ? ['--queue', queue, '--no-work'] : [])];
  const started = await start(args, env, /Patchbay listening on (\S+)/);
  return { ...started, url: started.match[1] };
}

/** `patchbay worker` on the shared store and queue. */
export function startWorker(store: string, queue: string, cacheDir: string, env: Record<string, string>, concurrency: number): Promise<Child> {
  const args = ['worker', '--store', store, '--queue', queue, '--concurrency', String(concurrency), '--stalled-ms', '2000', '--cache-dir', cacheDir];
  return start(args, env, /taking jobs/);
}
