import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, pipelineDoc, runCli, workspace } from './cli-child';

// A data dir's SQLite file that is not a database (overwritten, a bad copy): each command that opens it
// says which file and what to do, in one line and exit 2, and leaves the file as it was (it is the user's).
const JUNK = 'this is not SQLite '.repeat(500);

const greet = pipelineDoc(
  'greet',
  [
    { id: 'who', type: 'input', config: { name: 'who', valueType: 'string' } },
    { id: 'out', type: 'output', config: { name: 'greeting' } },
  ],
  ['who.value -> out.value'],
);
const cases = JSON.stringify({ id: 'c1', input: { who: 'Ada' }, expected: 'Ada' });
const suite = 'format: patchbay.eval/v1\ndataset: cases.jsonl\nscorers:\n  - {name: exact, type: exact}\n';

let ws: ReturnType<typeof workspace>;
beforeAll(() => {
  ws = workspace({ 'greet.json': greet, 'cases.jsonl': cases, 'suite.yaml': suite });
});
afterAll(() => ws?.remove());

/** A data dir whose `file` is junk; the CLI run in it. */
async function withDamaged(file: 'runner.sqlite' | 'cache.sqlite' | 'retrieval.sqlite', args: string[]) {
  const data = path.join(ws.dir, `${args[0]}-${file}`);
  mkdirSync(data, { recursive: true });
  const damaged = path.join(data, file);
  writeFileSync(damaged, JUNK);
  const r = await runCli([...args, '--data', data], ws.dir, cleanEnv());
  return { ...r, damaged };
}

function expectNamed(r: { code: number | null; stdout: string; stderr: string; damaged: string }, command: string) {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  const last = lines.at(-1)!;
  expect(last).toBe(`patchbay ${command}: ${r.damaged} is damaged or is not a SQLite database (file is not a database); restore it from a backup, or move it aside to start with a new one`);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  // Left as it was.
  expect(readFileSync(r.damaged, 'utf8')).toBe(JUNK);
}

describe('a damaged SQLite file in the data dir', () => {
  it('patchbay serve names runner.sqlite, cache.sqlite and retrieval.sqlite, exit 2', async () => {
    expectNamed(await withDamaged('runner.sqlite', ['serve', '--port', '0']), 'serve');
    expectNamed(await withDamaged('cache.sqlite', ['serve', '--port', '0']), 'serve');
    expectNamed(await withDamaged('retrieval.sqlite', ['serve', '--port', '0']), 'serve');
  });

  it('patchbay run names runner.sqlite and cache.sqlite, exit 2, before it runs', async () => {
    const r = await withDamaged('runner.sqlite', ['run', 'greet.json', '--input', 'who=Ada']);
    expectNamed(r, 'run');
    // Not run and then left unrecorded: nothing ran.
    expect(r.stderr).not.toContain('✓ who');
    expect(r.stdout).toBe('');
    expectNamed(await withDamaged('cache.sqlite', ['run', 'greet.json', '--input', 'who=Ada']), 'run');
  });

  it('patchbay eval names runner.sqlite and cache.sqlite, exit 2', async () => {
    // A pipeline by name is looked up in the runner store (a file is run without opening it).
    expectNamed(await withDamaged('runner.sqlite', ['eval', 'greet', '--suite', 'suite.yaml', '--out', 'r1.json']), 'eval');
    expectNamed(await withDamaged('cache.sqlite', ['eval', 'greet.json', '--suite', 'suite.yaml', '--out', 'r2.json']), 'eval');
  });
});

describe('a data dir SQLite file that cannot be opened', () => {
  it('patchbay serve names runner.sqlite, cache.sqlite and retrieval.sqlite in its one line', async () => {
    // A directory where the file should be (as a permission problem would): SQLite's own
    // "unable to open database file" does not say which of the data dir's files it means.
    for (const file of ['runner.sqlite', 'cache.sqlite', 'retrieval.sqlite']) {
      const data = path.join(ws.dir, `unopenable-${file}`);
      mkdirSync(path.join(data, file), { recursive: true });
      const r = await runCli(['serve', '--port', '0', '--data', data], ws.dir, cleanEnv());
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(`patchbay serve: ${path.join(data, file)}: unable to open database file`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
