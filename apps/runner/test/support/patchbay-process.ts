import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/patchbay.js', import.meta.url));

/** A `patchbay` command running as a real process. */
export interface PatchbayProcess {
  child: ChildProcess;
  exited: Promise<number | string>;
  output(): string;
  /** What `ready` matched. */
  match: RegExpExecArray;
}

/** `patchbay ARGS` as a real process (in `cwd`, default this one's); resolves once its output matches `ready`. */
export function spawnPatchbay(args: string[], env: NodeJS.ProcessEnv, ready: RegExp, cwd?: string): Promise<PatchbayProcess> {
  const child = spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    // Generous: on a loaded machine compiling the sources under tsx alone can take 15 s.
    const timer = setTimeout(() => reject(new Error(`patchbay ${args[0]} did not start in 90 s: ${out}`)), 90_000);
    child.stdout!.on('data', () => {
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, exited, output: () => out, match });
      }
    });
    void exited.then((code) => reject(new Error(`patchbay ${args[0]} exited (${code}) before it was ready: ${out}`)));
  });
}

/** This test process's environment without Patchbay's variables, provider keys and base URLs. */
export function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^PATCHBAY_|_API_KEY$|_BASE_URL$|^PORT$|^HOST$/.test(key)) env[key] = value;
  return env;
}
