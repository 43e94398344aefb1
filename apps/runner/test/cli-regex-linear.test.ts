import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, type CliResult, pipelineDoc, startCli, workspace } from './cli-child';

// Patterns users write (a regex scorer, a JSONata regex, a jsonSchema pattern) tested against text users shape
// (40 "a"s and a "!", built to trip them). Each of these held the process for minutes before: V8's linear-time
// fallback takes no backreference, no lookaround and no bounded repeat over 16 or so ({1,40}), so they ran on its
// backtracking engine, 2^40 steps.
const trap = `${'a'.repeat(40)}!`;

// text → the same text, so an eval scores what the case gives.
const echoText = pipelineDoc(
  'echo-text',
  [
    { id: 'text', type: 'input', config: { name: 'text', valueType: 'string' } },
    { id: 'out', type: 'output', config: { name: 'text' } },
  ],
  ['text.value -> out.value'],
);

const repeatInTransform = pipelineDoc(
  'repeat-in-transform',
  [
    { id: 'text', type: 'input', config: { name: 'text', valueType: 'string' } },
    { id: 'whole', type: 'transform', config: { expression: '$contains($, /^(a+){1,40}$/)' } },
    { id: 'out', type: 'output', config: { name: 'whole' } },
  ],
  ['text.value -> whole.value', 'whole.value -> out.value'],
);

const lookaroundInSchema = pipelineDoc(
  'lookaround-in-schema',
  [
    { id: 'text', type: 'input', config: { name: 'text', valueType: 'string' } },
    { id: 'reply', type: 'llm', config: { model: 'offline:echo', prompt: '{"word": "{{ text }}"}', jsonSchema: { type: 'object', properties: { word: { type: 'string', pattern: '^(?=(a+)+$)' } } } } },
    { id: 'out', type: 'output', config: { name: 'word' } },
  ],
  ['text.value -> reply.text', 'reply.json -> out.value'],
);

// question → offline:scripted, whose rules (the workspace config's) match what the user asks.
const scripted = pipelineDoc(
  'scripted',
  [
    { id: 'q', type: 'input', config: { name: 'question' } },
    { id: 'answer', type: 'llm', config: { model: 'offline:scripted', prompt: '{{ q }}' } },
    { id: 'out', type: 'output', config: { name: 'answer' } },
  ],
  ['q.value -> answer.q', 'answer.text -> out.value'],
);

// text → a custom tool whose parameter schema's pattern has a backreference (Ajv tests a model's arguments with it).
const customTool = pipelineDoc(
  'custom-tool',
  [
    { id: 'text', type: 'input', config: { name: 'text', valueType: 'string' } },
    { id: 'call', type: 'tool', config: { tool: 'twice', parameters: ['word'] } },
    { id: 'out', type: 'output', config: { name: 'result' } },
  ],
  ['text.value -> call.word', 'call.result -> out.value'],
);

const suite = (pattern: string) => `format: patchbay.eval/v1\ndataset: cases.jsonl\nscorers:\n  - {name: whole, type: regex, params: {pattern: ${JSON.stringify(pattern)}}}\n`;
const cases = [
  { id: 'trap', input: { text: trap } },
  { id: 'plain', input: { text: 'a'.repeat(40) } },
];

let ws: ReturnType<typeof workspace>;
beforeAll(() => {
  ws = workspace({
    'echo-text.json': echoText,
    'repeat-in-transform.json': repeatInTransform,
    'lookaround-in-schema.json': lookaroundInSchema,
    'scripted.json': scripted,
    'repeat-rule.json': { scripted: [{ match: '^(a+){1,40}$', reply: 'only a' }] },
    'backreference-rule.json': { scripted: [{ match: 'capital of (\\w+)', reply: '$1' }, { match: '^(a|a)+\\1$', reply: 'twice' }] },
    'custom-tool.json': customTool,
    'tool-config.json': { tools: { custom: [{ name: 'twice', description: 'a word said twice', parameters: { type: 'object', properties: { word: { type: 'string', pattern: '^(a|a)+\\1$' } } }, code: 'return args.word;' }] } },
    'cases.jsonl': cases.map((c) => JSON.stringify(c)).join('\n'),
    'backreference.yaml': suite('^(a|a)+\\1$'),
    'repeat.yaml': suite('^(a+){1,40}$'),
    'from-case.jsonl': JSON.stringify({ id: 'trap', input: { text: trap }, expected: '^(a|a)+\\1$' }),
    'from-case.yaml': 'format: patchbay.eval/v1\ndataset: from-case.jsonl\nscorers:\n  - {name: whole, type: regex}\n',
  });
});
afterAll(() => ws?.remove());

/** `patchbay ARGS` in the workspace, killed if it is still going after 60 s (a hang; it takes milliseconds). */
async function runUnlessHeld(args: string[]): Promise<CliResult> {
  const r = await startCli(args, { cwd: ws.dir, env: cleanEnv({ PATCHBAY_DATA: path.join(ws.dir, 'data') }), killAfterMs: 60_000 });
  expect(r.signal, `${args.join(' ')}: killed after 60 s, held by one match`).toBeNull();
  return r;
}

describe('user-written patterns never hold the process', () => {
  it('patchbay eval refuses a regex scorer with a backreference before any case runs: exit 2, one line with its path', async () => {
    const r = await runUnlessHeld(['eval', 'echo-text.json', '--suite', 'backreference.yaml', '--out', 'backreference.result.json']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe(
      `patchbay eval: ${path.join(ws.dir, 'backreference.yaml')}: scorers[0].params.pattern: the pattern /^(a|a)+\\1$/ has a backreference (\\1), which no linear-time engine runs and which can take minutes on some texts; write it without one\n`,
    );
  }, 90_000);

  it('patchbay eval scores a bounded repeat V8 cannot run in linear time on RE2: the trap fails, the plain text passes', async () => {
    const r = await runUnlessHeld(['eval', 'echo-text.json', '--suite', 'repeat.yaml', '--out', 'repeat.result.json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(path.join(ws.dir, 'repeat.result.json'), 'utf8'));
    expect(result.cases.map((c: { id: string; scores: { whole: { pass: boolean } } }) => [c.id, c.scores.whole.pass])).toEqual([['trap', false], ['plain', true]]);
  }, 90_000);

  it("patchbay eval scores a case whose expected pattern has a backreference as that case's error, in one line", async () => {
    const r = await runUnlessHeld(['eval', 'echo-text.json', '--suite', 'from-case.yaml', '--out', 'from-case.result.json']);
    const result = JSON.parse(readFileSync(path.join(ws.dir, 'from-case.result.json'), 'utf8'));
    expect(result.cases[0].scores.whole).toMatchObject({ score: 0, pass: false, error: 'the pattern /^(a|a)+\\1$/ has a backreference (\\1), which no linear-time engine runs and which can take minutes on some texts; write it without one' });
    expect(r.code, r.stderr).toBe(0); // no gate: a scorer error fails the case, not the command
    expect(result.summary).toMatchObject({ cases: 1, passed: 0 });
  }, 90_000);

  it('patchbay run matches a JSONata regex with a bounded repeat in linear time', async () => {
    const [trapped, plain] = [await runUnlessHeld(['run', 'repeat-in-transform.json', '--input', `text=${trap}`]), await runUnlessHeld(['run', 'repeat-in-transform.json', '--input', `text=${'a'.repeat(40)}`])];
    expect(trapped.code, trapped.stderr).toBe(0);
    expect(JSON.parse(trapped.stdout)).toEqual({ whole: false });
    expect(JSON.parse(plain.stdout)).toEqual({ whole: true });
  }, 90_000);

  it('patchbay run refuses a jsonSchema pattern with a lookahead before anything runs: exit 2, its path', async () => {
    const r = await runUnlessHeld(['run', 'lookaround-in-schema.json', '--input', `text=${trap}`]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^\$\.nodes\[1\]\.config\.jsonSchema: node "reply": config\.jsonSchema: jsonSchema is not a usable JSON Schema: the pattern \/\^\(\?=\(a\+\)\+\$\)\/ has a lookahead \(\(\?=\), which no linear-time engine runs and which can take minutes on some texts; write it without one\n.*nothing ran\n$/);
  }, 90_000);

  it('patchbay run matches an offline:scripted rule in linear time, and refuses a config whose rule no linear-time engine runs', async () => {
    const trapped = await runUnlessHeld(['run', 'scripted.json', '--input', `question=${trap}`, '--config', 'repeat-rule.json']);
    expect(trapped.code, trapped.stderr).toBe(0);
    expect(JSON.parse(trapped.stdout)).toEqual({ answer: "I don't know." });
    expect(JSON.parse((await runUnlessHeld(['run', 'scripted.json', '--input', 'question=aaaa', '--config', 'repeat-rule.json'])).stdout)).toEqual({ answer: 'only a' });
    const refused = await runUnlessHeld(['run', 'scripted.json', '--input', `question=${trap}`, '--config', 'backreference-rule.json']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/backreference-rule\.json: scripted\.1\.match: the pattern \/\^\(a\|a\)\+\\1\$\/ has a backreference \(\\1\), which no linear-time engine runs and which can take minutes on some texts; write it without one$/m);
  }, 90_000);

  it("patchbay run refuses a custom tool whose parameters' pattern no linear-time engine runs: exit 2, one line naming the tool", async () => {
    const r = await runUnlessHeld(['run', 'custom-tool.json', '--input', `text=${trap}`, '--config', 'tool-config.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('patchbay run: tools.custom.0.parameters: not a valid JSON Schema: the pattern /^(a|a)+\\1$/ has a backreference (\\1), which no linear-time engine runs and which can take minutes on some texts; write it without one\n');
  }, 90_000);
});
