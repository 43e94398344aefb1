import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const BIN = fileURLToPath(new URL('../node_modules/.bin/promptfoo', import.meta.url));

/**
 * The same dataset through promptfoo 0.121's CLI: an `openai:chat` provider
 * pointed at the same stub, the same concurrency, no cache, in its own temp
 * dir and config dir, telemetry and update checks off. Returns its wall time
 * (its start-up included: that is what a user waits for) and its pass count.
 */
export async function runPromptfoo(options: { dir: string; stubUrl: string; questions: string[]; concurrency: number }): Promise<{ seconds: number; passed: number; startupSeconds: number }> {
  const config = {
    description: 'patchbay bench peer',
    prompts: ['{{question}}'],
    providers: [{ id: 'openai:chat:m', config: { apiBaseUrl: options.stubUrl, apiKey: 'bench-not-a-key', temperature: 0 } }],
    tests: options.questions.map((q) => ({ vars: { question: q }, assert: [{ type: 'equals', value: q }] })),
  };
  const file = path.join(options.dir, 'promptfooconfig.yaml');
  writeFileSync(file, stringify(config));
  const env = {
    ...process.env,
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_CONFIG_DIR: path.join(options.dir, 'promptfoo-home'),
    OPENAI_API_KEY: 'bench-not-a-key',
  };
  const startup = await timed(() => run(['--version'], options.dir, env));
  const out = path.join(options.dir, 'promptfoo-result.json');
  const seconds = await timed(() => run(['eval', '-c', file, '--no-cache', '-j', String(options.concurrency), '--no-progress-bar', '--no-table', '-o', out], options.dir, env));
  const result = JSON.parse((await import('node:fs')).readFileSync(out, 'utf8'));
  const passed = result.results?.stats?.successes ?? NaN;
  return { seconds, passed, startupSeconds: startup };
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    // promptfoo exits 100 when some test fails; that is a result, not a crash.
    child.on('close', (code) => (code === 0 || code === 100 ? resolve() : reject(new Error(`promptfoo exited ${code}: ${stderr.slice(-2000)}`))));
  });
}
