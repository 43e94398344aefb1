// The processes of a scaled-out Patchbay for bench/scale: `patchbay serve` and `patchbay worker` as real children.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  const child = spawn(process.execPath, [...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF] : []), BIN, ...args], {
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

/** `patchbay serve` on a free loopback port; with `queue`, a pure front door (--no-work) on that queue and `store`. */
export async function startServe(dataDir: string, env: Record<string, string>, scaled?: { queue: string; store: string }): Promise<Child & { url: string }> {
  const args = ['serve', '--port', '0', '--data', dataDir, ...(scaled ? ['--queue', scaled.queue, '--no-work', '--store', scaled.store] : [])];
  const started = await start(args, env, /Patchbay listening on (\S+)/);
  return { ...started, url: started.match[1] };
}

/** `patchbay worker` on the shared store and queue. */
export function startWorker(store: string, queue: string, cacheDir: string, env: Record<string, string>, concurrency: number): Promise<Child> {
  const args = ['worker', '--store', store, '--queue', queue, '--concurrency', String(concurrency), '--stalled-ms', '2000', '--cache-dir', cacheDir];
  return start(args, env, /taking jobs/);
}

/** CPU time (user + system) a live process has used so far, in ms, from /proc (Linux); undefined once it is gone. */
export function cpuMs(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;
