// Runs the real `patchbay` bin as a child process, the way a user does.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin/patchbay.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment without the caller's PATCHBAY_* and provider settings, so a developer's shell cannot change results. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(PATCHBAY_|OPENAI_|FIREWORKS_|VLLM_|OLLAMA_|TOGETHER_|GROQ_|OPENROUTER_)/.test(key)) env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

interface CliOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** A command that runs it as another user (`setpriv --reuid=nobody …`). */
  runAs?: string[];
  /** Kill it (SIGKILL) if it is still going after this long: a bound that only catches a hang. */
  killAfterMs?: number;
}

/** `patchbay ARGS` as a running process in `cwd`, its output piped (e.g. a `serve` to talk to). */
export function spawnCli(args: string[], options: CliOptions) {
  const [command, ...rest] = [...(options.runAs ?? []), process.execPath, BIN, ...args];
  return spawn(command, rest, { cwd: options.cwd, env: options.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts `patchbay ARGS` in `cwd`; `onStderr` sees stderr as it arrives (to act mid-run, e.g. send SIGINT). */
export function startCli(args: string[], options: CliOptions & { onStderr?: (soFar: string, child: ChildProcess) => void }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, options);
    const hang = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      options.onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(hang);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export const runCli = (args: string[], cwd: string, env?: NodeJS.ProcessEnv) => startCli(args, { cwd, env });

/** A temp dir with the given files (objects are written as JSON); `remove()` when done. */
export function workspace(files: Record<string, unknown>): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-cli-'));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

type NodeSpec = { id: string; type: string; config?: Record<string, unknown>; position?: { x: number; y: number } };

/** A pipeline document from node specs and `"a.out -> b.in"` edges. */
export function pipelineDoc(name: string, nodes: NodeSpec[], edges: string[]): Record<string, unknown> {
  return {
    format: 'patchbay.pipeline/v1',
    name,
    nodes: nodes.map((n) => ({ config: {}, ...n })),
    edges: edges.map((e) => {
      const [from, to] = e.split('->').map((s) => s.trim());
      return { from, to };
    }),
  };
}
