import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, pipelineDoc, runCli, workspace } from './cli-child';
import type { Command } from '../src/cli/command';
import { NPM_CONFIG_NAMES } from '../src/cli/npm-config-names';
import { npmKeptFlags } from '../src/cli/npm-kept-flags';

/** Runs the real npm on a package whose `start` script is `patchbay serve`, as `npm start` is here. */
function npm(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // PORT=0: a serve that starts after all (the defect) takes a free port, never 8787.
    const env = cleanEnv({ PORT: '0' });
    for (const key of Object.keys(env)) if (/^npm_/i.test(key)) delete env[key]; // not the npm that runs vitest
    // Its own process group, so npm, its shell and the runner under them all end together.
    const child = spawn('npm', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    // A bound that only catches a serve that started after all (it would never end by itself).
    const hang = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(hang);
      resolve({ code, stdout, stderr });
    });
  });
}

// `npm start --port 9000` is what a user types after "npm start" and "pick another port with --port N".
// npm keeps flags before `--` for itself: with `=` the runner started on 8787 as if nothing was said;
// without, 9000 arrived alone: "patchbay serve: expected 0 argument(s), got 1".
describe('flags npm kept for itself', { timeout: 60_000 }, () => {
  const ws = workspace({});
  writeFileSync(path.join(ws.dir, 'package.json'), JSON.stringify({ name: 'npm-flags', private: true, scripts: { start: `node ${JSON.stringify(BIN)} serve` } }));
  const dataDir = path.join(ws.dir, 'data');
  afterAll(() => ws.remove());

  it('npm start --port=N: one line saying npm kept it and how to pass it on, exit 2, nothing served or seeded', async () => {
    const r = await npm(['start', '--silent', '--port=18999', `--data=${dataDir}`], ws.dir);
    expect(r.stderr, r.stdout).toContain(
      'patchbay serve: npm kept --port and --data for itself, so they never reached patchbay serve: npm passes flags on to a script only after --, as in npm start -- --port 18999 --data …\n',
    );
    expect(r.stdout).not.toContain('listening');
    expect(r.code).not.toBe(0);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('npm start --port N (a space, so N is left as an argument): the same line, not "expected 0 argument(s)"', async () => {
    const r = await npm(['start', '--silent', '--port', '18999', '--no-demo'], ws.dir);
    expect(r.stderr).toContain(
      'patchbay serve: npm kept --port and --no-demo for itself, so they never reached patchbay serve: npm passes flags on to a script only after --, as in npm start -- --port … --no-demo\n',
    );
    expect(r.stderr).not.toContain('argument(s)');
    expect(r.code).not.toBe(0);
  });

  it('flags after -- reach patchbay (a bad one is patchbay\'s own refusal, with no word of npm)', async () => {
    const r = await npm(['start', '--silent', '--', '--port', '80a', '--data', dataDir], ws.dir);
    expect(r.stderr).toContain('patchbay serve: --port must be an integer from 0 to 65535, got "80a"\n');
    expect(r.stderr).not.toContain('npm kept');
  });

  it('patchbay serve 9000 (no npm): the argument too many is named', async () => {
    const r = await runCli(['serve', '9000', '--data', dataDir], ws.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('patchbay serve: expected 0 argument(s), got 1 (9000); see patchbay serve --help\n');
  });
});

// npm's own configs come from .npmrc as well as from the command line (`json=true`, `force=true`), and npm
// exports them to every script: a flag of ours with such a name says nothing about what the user typed.
describe("flags named as npm's own configs", { timeout: 60_000 }, () => {
  const pipeline = pipelineDoc(
    'greet',
    [
      { id: 'who', type: 'input', config: { name: 'who', valueType: 'string' } },
      { id: 'out', type: 'output', config: { name: 'greeting' } },
    ],
    ['who.value -> out.value'],
  );
  const ws = workspace({ 'p.json': pipeline, '.npmrc': 'json=true\nforce=true\n' });
  writeFileSync(
    path.join(ws.dir, 'package.json'),
    JSON.stringify({ name: 'npm-configs', private: true, scripts: { check: `node ${JSON.stringify(BIN)} validate p.json --json`, plain: `node ${JSON.stringify(BIN)} validate p.json` } }),
  );
  afterAll(() => ws.remove());

  it('.npmrc json=true and a script that passes --json itself: patchbay answers in JSON, no word of npm', async () => {
    const r = await npm(['run', '--silent', 'check'], ws.dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true });
  });

  it('.npmrc json=true and force=true with a script that passes neither: patchbay runs as the script says', async () => {
    const r = await npm(['run', '--silent', 'plain'], ws.dir);
    expect(r).toMatchObject({ code: 0, stdout: 'valid\n', stderr: '' });
  });

  it("knows every npm config name one of patchbay's commands has as a flag (as the npm here lists them)", async () => {
    const listed = await npm(['config', 'ls', '-l', '--json'], ws.dir);
    const npmNames = new Set(Object.keys(JSON.parse(listed.stdout) as object));
    const dir = path.join(import.meta.dirname, '../src/cli/commands');
    const ours = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const { command } = (await import(path.join(dir, file))) as { command?: Command };
      for (const name of Object.keys(command?.options ?? {})) ours.add(name.replace(/^no-/, ''));
    }
    const colliding = [...ours].filter((name) => npmNames.has(name)).sort();
    expect(colliding.length).toBeGreaterThan(0);
    expect(colliding.filter((name) => !NPM_CONFIG_NAMES.has(name))).toEqual([]);
  });
});

describe('a flag npm kept that reached patchbay anyway', () => {
  it('is not reported: the script passes it itself', async () => {
    const { command } = await import('../src/cli/commands/validate');
    const env = { npm_lifecycle_event: 'check', npm_config_data: '/srv/pb' };
    expect(npmKeptFlags(command, env, ['p.json', '--data', '/srv/pb'])).toEqual([]);
    expect(npmKeptFlags(command, env, ['p.json', '--data=/srv/pb'])).toEqual([]);
    expect(npmKeptFlags(command, env, ['p.json'])).toEqual(['--data']);
  });
});
