import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineDoc, runCli, workspace } from './cli-child';

/**
 * JSON files saved with a UTF-8 byte order mark (Windows Notepad, PowerShell's
 * `Out-File -Encoding utf8`, Excel's "UTF-8" export) are read as the same JSON
 * without it, by every command that reads a JSON file: a pipeline, the workspace
 * config, an eval result. Datasets, suites and index files were read so already.
 */
const BOM = '\uFEFF';

const greet = pipelineDoc(
  'greet',
  [
    { id: 'who', type: 'input', config: { name: 'who', valueType: 'string' } },
    { id: 'greet', type: 'template', config: { template: 'Hello, {{ who }}!' } },
    { id: 'out', type: 'output', config: { name: 'greeting' } },
  ],
  ['who.value -> greet.who', 'greet.text -> out.value'],
);
const suite = { format: 'patchbay.eval/v1', dataset: [{ id: 'a', input: { who: 'Ada' }, expected: 'Ada' }], scorers: [{ name: 'names', type: 'contains' }] };

let ws: ReturnType<typeof workspace>;
beforeAll(() => {
  ws = workspace({
    'greet.json': greet,
    'greet-bom.json': BOM + JSON.stringify(greet, null, 2),
    'config-bom.json': `${BOM}{"cache": {"anyTemperature": false}}`,
    'suite.json': suite,
  });
});
afterAll(() => ws.remove());

describe('JSON files with a byte order mark', () => {
  it('patchbay validate, run and diff read a pipeline file that starts with one', async () => {
    expect(await runCli(['validate', 'greet-bom.json'], ws.dir)).toMatchObject({ code: 0, stdout: 'valid\n' });
    const run = await runCli(['run', 'greet-bom.json', '--input', 'who=Ada', '--data', 'data'], ws.dir);
    expect(run.stderr).not.toMatch(/not JSON/);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ greeting: 'Hello, Ada!' });
    expect(await runCli(['diff', 'greet.json', 'greet-bom.json'], ws.dir)).toMatchObject({ code: 0, stdout: 'no differences\n' });
  });

  it('--config reads a workspace config that starts with one', async () => {
    const run = await runCli(['run', 'greet.json', '--input', 'who=Ada', '--config', 'config-bom.json', '--data', 'data'], ws.dir);
    expect(run.stderr).not.toMatch(/not valid JSON/);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ greeting: 'Hello, Ada!' });
  });

  it('patchbay compare and eval --baseline read a result file that starts with one', async () => {
    const evalRun = await runCli(['eval', 'greet.json', '--suite', 'suite.json', '--data', 'data', '--out', 'result.json'], ws.dir);
    expect(evalRun.code).toBe(0);
    const result = path.join(ws.dir, 'result.json');
    writeFileSync(path.join(ws.dir, 'result-bom.json'), BOM + readFileSync(result, 'utf8'));
    const compared = await runCli(['compare', 'result-bom.json', 'result.json'], ws.dir);
    expect(compared.stderr).not.toMatch(/not JSON/);
    expect(compared.code).toBe(0);
    const baseline = await runCli(['eval', 'greet.json', '--suite', 'suite.json', '--data', 'data', '--baseline', 'result-bom.json'], ws.dir);
    expect(baseline.stderr).not.toMatch(/not JSON/);
    expect(baseline.code).toBe(0);
  });
});
