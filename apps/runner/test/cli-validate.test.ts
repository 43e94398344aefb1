import { spawn } from 'node:child_process';
import { mkdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { behaviorHash, contentHash, type PipelineDocument } from '@patchbay/core';
import { BIN, cleanEnv, pipelineDoc, runCli, workspace } from './cli-child';
import { openSqliteStore } from '../src/store/index';
import type { Command } from '../src/cli/command';

const good = pipelineDoc(
  'greet',
  [
    { id: 'who', type: 'input', config: { name: 'who', valueType: 'string' } },
    { id: 'greet', type: 'template', config: { template: 'Hello, {{ who }}!' } },
    { id: 'out', type: 'output', config: { name: 'greeting' } },
  ],
  ['who.value -> greet.who', 'greet.text -> out.value'],
);

// Two problems: an unknown node type, and a template variable nothing feeds.
const bad = pipelineDoc(
  'broken',
  [
    { id: 'who', type: 'input', config: { name: 'who' } },
    { id: 'greet', type: 'template', config: { template: 'Hello, {{ who }} and {{ friend }}!' } },
    { id: 'mystery', type: 'teleport' },
    { id: 'out', type: 'output', config: { name: 'greeting' } },
  ],
  ['who.value -> greet.who', 'greet.text -> out.value'],
);

// 4,000 template nodes with unfed variables: far more problem lines than a pipe holds.
const manyProblems = pipelineDoc(
  'many',
  Array.from({ length: 4_000 }, (_, i) => ({ id: `t${i}`, type: 'template', config: { template: `{{ a${i} }} {{ b${i} }}` } })),
  [],
);

// Strings the messages quote, with line breaks in them.
const lineBreaks = { format: 'patchbay.pipeline/v1\nv2', name: 'x', nodes: [{ id: 'a', type: 'tele\nport', config: {} }], edges: [] };

let ws: ReturnType<typeof workspace>;
beforeAll(() => {
  ws = workspace({ 'good.json': good, 'bad.json': bad, 'many-problems.json': manyProblems, 'line-breaks.json': lineBreaks, 'garbled.json': '{"format": "patchbay.pipeline/v1",', 'list.json': [1, 2] });
});
afterAll(() => ws.remove());

/** A pipeline node calling the stored pipeline `ref` with its input `who`. */
const caller = (ref: string) =>
  pipelineDoc(
    'caller',
    [
      { id: 'who', type: 'input', config: { name: 'who', valueType: 'string' } },
      { id: 'call', type: 'pipeline', config: { ref } },
      { id: 'out', type: 'output', config: { name: 'greeting' } },
    ],
    ['who.value -> call.who', 'call.greeting -> out.value'],
  );

describe('patchbay validate: pipeline and map nodes', () => {
  let refs: ReturnType<typeof workspace>;
  beforeAll(async () => {
    refs = workspace({ 'calls-v1.json': caller('greet@v1'), 'calls-v9.json': caller('greet@v9') });
    // The runner store of ./data holds greet v1, as the editor would leave it.
    const data = path.join(realpathSync(refs.dir), 'data');
    mkdirSync(data);
    const store = openSqliteStore(data);
    const doc = good as unknown as PipelineDocument;
    await store.versions.save({ pipeline: 'greet', document: doc, message: 'save', baseVersion: null, contentHash: contentHash(doc), behaviorHash: behaviorHash(doc), problems: [] });
    await store.close();
  });
  afterAll(() => refs.remove());

  it('looks references up in the runner store of the data dir, as run does: valid, unresolved (exit 1), or no store (exit 2)', async () => {
    const [valid, dangling, noStore] = await Promise.all([
      runCli(['validate', 'calls-v1.json', '--data', 'data'], refs.dir),
      runCli(['validate', 'calls-v9.json', '--data', 'data', '--json'], refs.dir),
      runCli(['validate', 'calls-v1.json'], refs.dir),
    ]);
    expect(valid, valid.stderr).toMatchObject({ code: 0, stdout: 'valid\n' });
    expect(dangling.code).toBe(1);
    expect(JSON.parse(dangling.stdout).errors).toContainEqual(expect.objectContaining({ path: '$.nodes[1].config.ref', code: 'unresolved-pipeline' }));
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toMatch(/^patchbay validate: calls-v1\.json calls stored pipelines \(greet@v1\), and there is no runner store in .* \(pass --data DIR to use another workspace\)\n$/);
  });
});

describe('patchbay validate', () => {
  it('prints "valid" and exits 0 for a valid document', async () => {
    const r = await runCli(['validate', 'good.json'], ws.dir);
    expect(r).toMatchObject({ code: 0, stdout: 'valid\n', stderr: '' });
  });

  it('prints one PATH: MESSAGE line per problem and exits 1', async () => {
    const r = await runCli(['validate', 'bad.json'], ws.dir);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^\$[^ ]*: \S/);
    expect(lines.some((l) => l.startsWith('$.nodes[2].type: ') && l.includes('teleport'))).toBe(true);
    expect(lines.some((l) => l.includes('friend'))).toBe(true);
  });

  it('--json gives {valid, errors} both ways', async () => {
    const [ok, notOk] = await Promise.all([runCli(['validate', 'good.json', '--json'], ws.dir), runCli(['validate', '--json', 'bad.json'], ws.dir)]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ valid: true, errors: [] });
    expect(notOk.code).toBe(1);
    const report = JSON.parse(notOk.stdout);
    expect(report.valid).toBe(false);
    expect(report.errors).toContainEqual(expect.objectContaining({ path: '$.nodes[2].type', code: 'unknown-node-type' }));
  });

  it('a JSON value that is not a pipeline is invalid (exit 1), not a crash', async () => {
    const r = await runCli(['validate', 'list.json'], ws.dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^\$: /);
  });

  it('exits 2 with one line for a missing file or one that is not JSON', async () => {
    const [missing, garbled] = await Promise.all([runCli(['validate', 'nope.json'], ws.dir), runCli(['validate', 'garbled.json'], ws.dir)]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('patchbay validate: cannot read nope.json: no such file\n');
    expect(garbled.code).toBe(2);
    expect(garbled.stderr).toMatch(/^patchbay validate: garbled\.json is not JSON: .+\n$/);
    expect(garbled.stderr).not.toMatch(/\n\s+at /);
  });

  it('--help exits 0 with usage; an unknown flag, a missing argument or an unknown command exit 2 in one line', async () => {
    const [help, flag, noArg, command] = await Promise.all([
      runCli(['validate', '--help'], ws.dir),
      runCli(['validate', 'good.json', '--strict'], ws.dir),
      runCli(['validate'], ws.dir),
      runCli(['validat', 'good.json'], ws.dir),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: patchbay validate FILE \[--json\]/);
    for (const r of [flag, noArg, command]) {
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(flag.stderr).toBe("patchbay validate: unknown option '--strict'; see patchbay validate --help\n");
    expect(noArg.stderr).toBe('patchbay validate: expected 1 argument(s), got 0; see patchbay validate --help\n');
    expect(command.stderr).toContain('unknown command "validat"');
  });

  it('a reader that closes the pipe early (| head) ends the output quietly: exit 1, no EPIPE stack', async () => {
    const child = spawn(process.execPath, [BIN, 'validate', 'many-problems.json'], { cwd: ws.dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let firstLine = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // Read the first chunk, then hang up, as `head -1` does.
    child.stdout.setEncoding('utf8').once('data', (chunk: string) => {
      firstLine = chunk.split('\n')[0];
      child.stdout.destroy();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(firstLine).toMatch(/^\$\.nodes\[0\]\.config\.template: node "t0": template variable "a0"/);
    expect(stderr).toBe('');
    expect(code).toBe(1);
  });

  it('keeps one line per problem when the document quotes line breaks', async () => {
    const r = await runCli(['validate', 'line-breaks.json'], ws.dir);
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      '$.format: format must be "patchbay.pipeline/v1" (got "patchbay.pipeline/v1\\nv2")',
      expect.stringMatching(/^\$\.nodes\[0\]\.type: node "a": unknown node type "tele\\nport" \(known: /),
    ]);
  });

  it('patchbay --help lists the commands (exit 0); no command at all is a usage error (help on stderr, exit 2)', async () => {
    const [help, none] = await Promise.all([runCli(['--help'], ws.dir), runCli([], ws.dir)]);
    expect(help.code).toBe(0);
    for (const command of ['validate FILE', 'diff A B']) expect(help.stdout).toContain(command);
    // run takes a stored version as eval does, not only a file (cli.md)
    expect(help.stdout).toContain('  run PIPELINE         run a pipeline (file or NAME@VERSION), print its outputs\n');
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(help.stdout);
  });

  it('patchbay --version prints the runner package version', async () => {
    const r = await runCli(['--version'], ws.dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^patchbay \d+\.\d+\.\d+\n$/);
  });
});

describe('every command\'s --help', () => {
  it('names every option the command takes, --debug and --help included', async () => {
    const files = ['validate', 'run', 'diff', 'index-files', 'search', 'serve', 'eval', 'compare', 'keys', 'promote', 'worker'];
    for (const file of files) {
      const { command } = (await import(`../src/cli/commands/${file}.ts`)) as { command: Command };
      const missing = [...Object.keys(command.options), 'debug', 'help'].filter((name) => !command.usage.includes(`--${name}`));
      expect(missing, `patchbay ${command.name} --help`).toEqual([]);
    }
  });

  it('calls an option\'s value by one name: the usage line as the Options list (promote and eval said --suite SUITE, then --suite FILE)', async () => {
    const files = ['validate', 'run', 'diff', 'index-files', 'search', 'serve', 'eval', 'compare', 'keys', 'promote', 'worker'];
    for (const file of files) {
      const { command } = (await import(`../src/cli/commands/${file}.ts`)) as { command: Command };
      const [usage, ...rest] = command.usage.split('\n');
      const options = rest.join('\n');
      for (const [, flag, value] of usage.matchAll(/(--[a-z-]+) ([A-Z][A-Z_]*)\b/g)) {
        const listed = new RegExp(`^ +${flag} ([A-Z][A-Z_]*)\\b`, 'm').exec(options)?.[1];
        expect(listed, `patchbay ${command.name} --help: ${flag}`).toBe(value);
      }
    }
  });
});
