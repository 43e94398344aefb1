import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../../../test/support/openai-stub';

const BIN = fileURLToPath(new URL('../../bin/patchbay.js', import.meta.url));

export interface ChildRunner {
  child: ChildProcess;
  url: string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  exited: Promise<number | string>;
}

/** The host's environment without anything that would change the runner's behaviour (tokens, keys, data dir). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^PATCHBAY_|_API_KEY$|^PORT$|^HOST$/.test(key)) continue;
    env[key] = value;
  }
  return env;
}

/**
 * `patchbay serve` as a real child process; resolves once it prints its URL.
 * `fileSizeLimitKb` runs it under RLIMIT_FSIZE (`ulimit -f`): no file it writes grows past that, as on a full disk.
 */
export function spawnRunner(args: string[], env: NodeJS.ProcessEnv = {}, options: { fileSizeLimitKb?: number } = {}): Promise<ChildRunner> {
  // PATCHBAY_DEMO=0: an empty data dir stays empty (no demo workspace seeded), so each test starts from nothing.
  const command: [string, string[]] =
    options.fileSizeLimitKb === undefined
      ? [process.execPath, [BIN, 'serve', ...args]]
      : ['/bin/sh', ['-c', `ulimit -f ${Math.floor(options.fileSizeLimitKb)} && exec "$0" "$@"`, process.execPath, BIN, 'serve', ...args]];
  const child = spawn(command[0], command[1], { env: { ...cleanEnv(), PATCHBAY_DEMO: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runner did not start in 90 s: ${err}`)), 90_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const match = /Patchbay listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], stderr: () => err, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`runner exited (${code}) before listening: ${err}`));
    });
  });
}

/**
 * For a test file that kills and restarts runners mid-work: an OpenAI-compatible stub whose every model call
 * hangs (so a run, an eval or a promotion stays in flight for as long as the test needs), child runners
 * pointed at it (`STUB_BASE_URL`; `stub:model` reaches it), and temp data dirs. Registers the file's
 * beforeAll and afterAll: after its tests, every runner still alive is killed and every dir removed.
 */
export function hangingStubRunners(dirPrefix: string) {
  let stub: OpenAIStub | undefined;
  const dirs: string[] = [];
  const children: ChildRunner[] = [];
  beforeAll(async () => {
    stub = await startOpenAIStub({ handler: () => ({ hang: 'before-response' }) });
  });
  afterAll(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await stub?.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get stub(): OpenAIStub {
      if (!stub) throw new Error('the stub starts in beforeAll');
      return stub;
    },
    tempDir(): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), dirPrefix));
      dirs.push(dir);
      return dir;
    },
    async start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildRunner> {
      const runner = await spawnRunner(args, { STUB_BASE_URL: this.stub.url, ...env });
      children.push(runner);
      return runner;
    },
    /** Resolves once the stub has received a model call after `before` (stub.requests.length taken earlier). */
    async callInFlight(before: number): Promise<void> {
      while (this.stub.requests.length === before) await new Promise((r) => setTimeout(r, 10));
    },
  };
}
