import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';

/** A redis-server the test started on a free loopback port; `stop()` ends it. */
export interface TestRedis {
  url: string;
  port: number;
  process: ChildProcess;
  /** kill -9, then after `downMs` start again on the same port (with `persistent`, from its append-only file). */
  restart(downMs?: number): Promise<void>;
  /** kill -9 and wait until it is gone: the port refuses connections until `start()`. */
  kill(): Promise<void>;
  /** Starts it again on the same port after `kill()` (with `persistent`, from its append-only file). */
  start(): Promise<void>;
  /** SIGSTOP: a Redis that hangs (its port still takes connections, nothing answers) until `resume()`. */
  pause(): void;
  /** SIGCONT after `pause()`. Safe to call when not paused; `stop()` calls it. */
  resume(): void;
  stop(): Promise<void>;
}

/**
 * Starts Debian's `redis-server --port N` in the foreground (so the test owns the
 * process and nothing outlives it) and waits until it answers. No persistence
 * (`--save ''`) unless `persistent`: then an append-only file in a temp dir,
 * fsynced on every write, as docs/scaling.md tells production to run it.
 */
export async function startRedis(options: { persistent?: boolean } = {}): Promise<TestRedis> {
  let port = 0;
  const dir = options.persistent ? fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-redis-')) : undefined;
  const args = () => [
    ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--daemonize', 'no'],
    ...(dir ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir] : ['--appendonly', 'no']),
  ];
  const start = async () => {
    const child = spawn('redis-server', args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 15_000;
    // Its own "Ready" line, not a PING alone: a redis-server another test started on this port would answer too.
    while (!(output.includes('Ready to accept connections') && (await answers(port)))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${port}: ${output.trim().split('\n').slice(-3).join(' | ')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return { child, exited };
  };
  // The port was free when freePort() looked, but the files run in parallel: another process can bind it before
  // redis-server does (it then exits, "Address already in use"). Another port is tried then.
  let current: Awaited<ReturnType<typeof start>>;
  let paused = false;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      current = await start();
      break;
    } catch (err) {
      if (attempt >= 5 || !/Address already in use/.test((err as Error).message)) throw err;
    }
  }
  const redis: TestRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: current.child,
    async restart(downMs = 0) {
      await redis.kill();
      await new Promise((r) => setTimeout(r, downMs));
      await redis.start();
    },
    async kill() {
      current.child.kill('SIGKILL');
      await current.exited;
    },
    async start() {
      current = await start();
      redis.process = current.child;
    },
    pause() {
      current.child.kill('SIGSTOP');
      paused = true;
    },
    resume() {
      if (paused && current.child.exitCode === null) current.child.kill('SIGCONT');
      paused = false;
    },
    async stop() {
      // A stopped process takes no SIGTERM until it is continued.
      redis.resume();
      const { child, exited } = current;
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return redis;
}

/** True once a PING on the port gets +PONG. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
