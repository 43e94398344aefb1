import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, type CliResult, pipelineDoc, runCli, startCli, workspace } from './cli-child';
import { startOpenAIStub, type OpenAIStub } from '../../../test/support/openai-stub';

const greet = pipelineDoc(
  'greet',
  [
    { id: 'who', type: 'input', config: { name: 'who', valueType: 'string' } },
    { id: 'times', type: 'input', config: { name: 'times', valueType: 'number', default: 1 } },
    { id: 'greet', type: 'template', config: { template: 'Hello, {{ who }} x{{ times }}!' } },
    { id: 'out', type: 'output', config: { name: 'greeting' } },
  ],
  ['who.value -> greet.who', 'times.value -> greet.times', 'greet.text -> out.value'],
);

// amount → router (big when > 100) → review | auto → merge → out; `check` (code) fails above 1,000.
const approvals = pipelineDoc(
  'approvals',
  [
    { id: 'amount', type: 'input', config: { name: 'amount', valueType: 'number' } },
    { id: 'check', type: 'code', config: { code: 'if (value > 1000) throw new Error("amount over limit: " + value); return value;' } },
    { id: 'route', type: 'router', config: { routes: [{ port: 'big', when: '$ > 100' }] } },
    { id: 'review', type: 'template', config: { template: 'review {{ value }}' } },
    { id: 'auto', type: 'template', config: { template: 'approve {{ value }}' } },
    { id: 'join', type: 'merge', config: { inputs: ['a', 'b'] } },
    { id: 'out', type: 'output', config: { name: 'decision' } },
  ],
  ['amount.value -> check.value', 'check.value -> route.value', 'route.big -> review.value', 'route.default -> auto.value', 'review.text -> join.a', 'auto.text -> join.b', 'join.value -> out.value'],
);

/** question → one llm node on `model` → answer. */
function askModel(name: string, model: string, prompt: string) {
  return pipelineDoc(
    name,
    [
      { id: 'q', type: 'input', config: { name: 'question' } },
      { id: 'answer', type: 'llm', config: { model, prompt } },
      { id: 'out', type: 'output', config: { name: 'answer' } },
    ],
    ['q.value -> answer.q', 'answer.text -> out.value'],
  );
}

const echo = askModel('echo', 'offline:echo', 'You asked: {{ q }}');
const scripted = askModel('scripted', 'offline:scripted', '{{ q }}');
const remote = askModel('remote', 'vllm:stub-model', '{{ q }}');

// A node whose error message runs over two lines.
const twoLines = pipelineDoc(
  'two-lines',
  [
    { id: 'x', type: 'input', config: { name: 'x', valueType: 'number' } },
    { id: 'boom', type: 'code', config: { code: 'throw new Error("first\\nsecond")' } },
    { id: 'out', type: 'output', config: { name: 'result' } },
  ],
  ['x.value -> boom.value', 'boom.value -> out.value'],
);

// A case-insensitive pattern that backtracks catastrophically on "aaaa…!" (V8 runs /i patterns on its backtracking
// engine whatever it is told), in a transform and a router: such input is the user's, and a served pipeline's.
const backtracks = pipelineDoc(
  'backtracks',
  [
    { id: 'text', type: 'input', config: { name: 'text', valueType: 'string' } },
    { id: 'ends', type: 'transform', config: { expression: '$contains($, /(a+)+$/i)' } },
    { id: 'route', type: 'router', config: { routes: [{ port: 'shout', when: '$contains($, /^(A|a+)+b/i)' }] } },
    { id: 'quiet', type: 'transform', config: { expression: '"quiet"' } },
    { id: 'out', type: 'output', config: { name: 'ends' } },
    { id: 'said', type: 'output', config: { name: 'said' } },
  ],
  ['text.value -> ends.value', 'text.value -> route.value', 'route.default -> quiet.value', 'ends.value -> out.value', 'quiet.value -> said.value'],
);

// An llm node's jsonSchema whose pattern backtracks catastrophically: Ajv checks the model's reply (text a user
// can shape) against it on the process's thread, with the u flag, which V8's linear-time fallback does not take.
const schemaPattern = pipelineDoc(
  'schema-pattern',
  [
    { id: 'text', type: 'input', config: { name: 'text', valueType: 'string' } },
    { id: 'reply', type: 'llm', config: { model: 'offline:echo', prompt: '{"word": "{{ text }}"}', jsonSchema: { type: 'object', properties: { word: { type: 'string', pattern: '^(a+)+$' } } } } },
    { id: 'out', type: 'output', config: { name: 'word' } },
  ],
  ['text.value -> reply.text', 'reply.json -> out.value'],
);

const broken = pipelineDoc('broken', [{ id: 'greet', type: 'template', config: { template: 'Hi {{ who }}' } }], []);

let ws: ReturnType<typeof workspace>;
beforeAll(() => {
  ws = workspace({
    'greet.json': greet,
    'approvals.json': approvals,
    'two-lines.json': twoLines,
    'echo.json': echo,
    'scripted.json': scripted,
    'remote.json': remote,
    'broken.json': broken,
    'backtracks.json': backtracks,
    'schema-pattern.json': schemaPattern,
    'rules.json': { scripted: [{ role: 'user', match: 'capital of (\\w+)', reply: 'I only know $1 exists.' }] },
  });
});
afterAll(() => ws.remove());

/** `patchbay ARGS` in the workspace, killed if it is still going after 60 s (a hang; it takes milliseconds). */
async function runUnlessHeld(args: string[]): Promise<CliResult> {
  const r = await startCli(args, { cwd: ws.dir, killAfterMs: 60_000 });
  expect(r.signal, `${args.join(' ')}: killed after 60 s, held by one match`).toBeNull();
  return r;
}

describe('patchbay run: success', () => {
  it('records the run, source cli, in the data dir\'s runner store when there is one (and creates none)', async () => {
    const { startServer } = await import('../src/index');
    const data = path.join(ws.dir, 'with-store');
    const server = await startServer({ port: 0, quiet: true, editorDist: false, env: {}, dataDir: data });
    try {
      const r = await runCli(['run', 'greet.json', '--input', 'who=Cli', '--data', data], ws.dir);
      expect(r.code).toBe(0);
      const runs = await (await fetch(`${server.url}/api/runs?source=cli`)).json();
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ pipeline: 'greet', version: null, status: 'succeeded', source: 'cli' });
      const run = await (await fetch(`${server.url}/api/runs/${runs[0].id}`)).json();
      expect(run.outputs).toEqual({ greeting: 'Hello, Cli x1!' });
    } finally {
      await server.close();
    }
    const r = await runCli(['run', 'greet.json', '--input', 'who=Ada', '--data', 'no-store'], ws.dir);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(ws.dir, 'no-store', 'runner.sqlite'))).toBe(false);
  });

  it('prints the outputs as JSON on stdout and each node with its duration on stderr', async () => {
    const r = await runCli(['run', 'greet.json', '--input', 'who=Ada', '--input', 'times=3'], ws.dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{\n  "greeting": "Hello, Ada x3!"\n}\n');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^✓ who {4}\d+ ms$/);
    expect(lines.at(-1)).toMatch(/^✓ out {4}\d+ ms$/);
  });

  it('takes --inputs JSON, with --input winning, and --json prints the whole result', async () => {
    const r = await runCli(['run', 'greet.json', '--inputs', '{"who": "Bo", "times": 2}', '--input', 'who=Cy', '--json'], ws.dir);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ status: 'succeeded', inputs: { who: 'Cy', times: 2 }, outputs: { greeting: 'Hello, Cy x2!' } });
    expect(result.nodes.greet).toMatchObject({ status: 'succeeded', attempts: 1, outputs: { text: 'Hello, Cy x2!' } });
  });

  it('shows the branch a router did not take as skipped', async () => {
    const r = await runCli(['run', 'approvals.json', '--input', 'amount=500'], ws.dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ decision: 'review 500' });
    expect(r.stderr).toMatch(/^- auto +skipped$/m);
    expect(r.stderr).toMatch(/^✓ review +\d+ ms$/m);
  });

  it('runs the offline model (never cached: a data dir that is not there stays so) and with --no-cache, and reads --config', async () => {
    const [cached, uncached, rules] = await Promise.all([
      runCli(['run', 'echo.json', '--input', 'question=why?', '--data', 'd1'], ws.dir),
      runCli(['run', 'echo.json', '--input', 'question=why?', '--data', 'd2', '--no-cache'], ws.dir),
      runCli(['run', 'scripted.json', '--input', 'question=What is the capital of Peru?', '--data', 'd3', '--config', 'rules.json'], ws.dir),
    ]);
    expect(cached.code).toBe(0);
    expect(JSON.parse(cached.stdout)).toEqual({ answer: 'You asked: why?' });
    expect(existsSync(path.join(ws.dir, 'd1'))).toBe(false);
    expect(uncached.code).toBe(0);
    expect(existsSync(path.join(ws.dir, 'd2', 'cache.sqlite'))).toBe(false);
    expect(rules.code).toBe(0);
    expect(JSON.parse(rules.stdout)).toEqual({ answer: 'I only know Peru exists.' });
  });
});

describe('patchbay run: failures and refusals', () => {
  it('exits 1 when a node fails, naming it, without a stack trace', async () => {
    const r = await runCli(['run', 'approvals.json', '--input', 'amount=5000'], ws.dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^✗ check +\d+ ms  .*amount over limit: 5000$/m);
    expect(r.stderr).toMatch(/^patchbay run: node "check" failed: .*amount over limit: 5000$/m);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('keeps a failure whose message runs over two lines on one line each', async () => {
    const r = await runCli(['run', 'two-lines.json', '--input', 'x=1'], ws.dir);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^✗ boom  \d+ ms  code failed: first\\nsecond$/),
      'patchbay run: node "boom" failed: code failed: first\\nsecond',
    ]);
  });

  it('exits 2 for an input that does not fit its valueType, an unknown input or a missing one', async () => {
    const [notNumber, unknown, missing] = await Promise.all([
      runCli(['run', 'approvals.json', '--input', 'amount=abc'], ws.dir),
      runCli(['run', 'greet.json', '--input', 'who=Ada', '--input', 'whom=Bo'], ws.dir),
      runCli(['run', 'greet.json'], ws.dir),
    ]);
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toBe('$.inputs.amount: input "amount" (number): "abc" is not a number\n');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^\$\.inputs\.whom: the pipeline has no input "whom"/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^\$\.inputs\.who: input "who" .*required/);
    for (const r of [notNumber, unknown, missing]) expect(r.stdout).toBe('');
  });

  it('exits 2 for a hex number and for an input named __proto__ (an unknown input like any other)', async () => {
    const [hex, proto] = await Promise.all([
      runCli(['run', 'approvals.json', '--input', 'amount=0x10'], ws.dir),
      runCli(['run', 'greet.json', '--input', 'who=Ada', '--input', '__proto__=1'], ws.dir),
    ]);
    expect(hex.code).toBe(2);
    expect(hex.stderr).toBe('$.inputs.amount: input "amount" (number): "0x10" is not a number\n');
    expect(proto.code).toBe(2);
    expect(proto.stderr).toBe('$.inputs.__proto__: the pipeline has no input "__proto__" (its inputs: who, times)\n');
  });

  it('matches a regex of a transform or router in linear time: one that backtracks catastrophically does not hold the process', async () => {
    // Before, each held the event loop for longer than 2^40 steps take (the run never ended, Ctrl-C or a node's
    // timeoutMs included: no timer fires inside one match). 60 s only catches that hang; it takes milliseconds.
    const r = await runUnlessHeld(['run', 'backtracks.json', '--input', `text=${'a'.repeat(40)}!`]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ends: false, said: 'quiet' });
  }, 90_000);

  it("checks a model's reply against a jsonSchema pattern in linear time: one that backtracks catastrophically does not hold the process", async () => {
    // Before, Ajv's RegExp (flag u) held the event loop past 2^40 steps: 26 "a"s took 3.5 s, 40 never ended.
    const r = await runUnlessHeld(['run', 'schema-pattern.json', '--input', `text=${'a'.repeat(40)}!`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`node "reply" failed: the model's reply does not fit jsonSchema: reply/word must match pattern "^(a+)+$"`);
    expect((await runUnlessHeld(['run', 'schema-pattern.json', '--input', `text=${'a'.repeat(40)}`])).stdout).toBe(`{\n  "word": {\n    "word": "${'a'.repeat(40)}"\n  }\n}\n`);
  }, 90_000);

  it('exits 2 for an invalid pipeline, listing its problems, and for unreadable flags', async () => {
    const [invalid, noEquals, badJson] = await Promise.all([
      runCli(['run', 'broken.json'], ws.dir),
      runCli(['run', 'greet.json', '--input', 'Ada'], ws.dir),
      runCli(['run', 'greet.json', '--inputs', '{who: Ada}'], ws.dir),
    ]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^\$\.nodes\[0\]\S*: .*who/m);
    expect(invalid.stderr).toMatch(/broken\.json is not a valid pipeline .*nothing ran$/m);
    expect(noEquals.code).toBe(2);
    expect(noEquals.stderr).toBe('patchbay run: --input expects NAME=VALUE, got "Ada"\n');
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/^patchbay run: --inputs is not JSON: /);
  });

  it('exits 2 with one line in words for a --config that is a folder (the data dir given as --config)', async () => {
    const r = await runCli(['run', 'greet.json', '--input', 'who=Ada', '--config', '.'], ws.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`patchbay run: ${ws.dir}: a directory, not a workspace config file (give its patchbay.config.json)\n`);
  });
});

describe('patchbay run: Ctrl-C', () => {
  let stub: OpenAIStub;
  beforeAll(async () => {
    stub = await startOpenAIStub({ handler: () => ({ hang: 'before-response' }) });
  });
  afterAll(() => stub.close());

  /** Runs the remote pipeline and sends `signal` once its llm node's call has reached the stub. */
  async function runStoppedBy(signal: NodeJS.Signals, extra: string[] = []) {
    let sent = false;
    const before = stub.requests.length;
    const r = await startCli(['run', 'remote.json', '--input', 'question=hello', '--data', 'd4', ...extra], {
      cwd: ws.dir,
      env: cleanEnv({ VLLM_BASE_URL: stub.url }),
      // The input node has completed: the llm node is waiting on the stub.
      onStderr: (soFar, child) => {
        if (sent || !/^✓ q /m.test(soFar)) return;
        sent = true;
        // Give the request a moment to reach the stub before interrupting.
        const poll = setInterval(() => {
          if (stub.requests.length > before) {
            clearInterval(poll);
            child.kill(signal);
          }
        }, 10);
      },
    });
    expect(sent).toBe(true);
    return r;
  }

  it('cancels the run on SIGTERM too (a CI timeout, kill): the --json result says cancelled, exit 143', async () => {
    const r = await runStoppedBy('SIGTERM', ['--json']);
    expect(r.code).toBe(143);
    expect(r.stderr).toMatch(/^patchbay run: cancelled \(SIGTERM\)$/m);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'cancelled', error: 'run cancelled' });
  });

  it('run --help names every exit code a script may see, SIGTERM\'s 143 included', async () => {
    const help = await runCli(['run', '--help'], ws.dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/130 cancelled by Ctrl-C; 143 cancelled by SIGTERM/);
  });

  it('cancels the run on SIGINT while a model call is pending: exit 130', async () => {
    const r = await runStoppedBy('SIGINT');
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/^patchbay run: cancelled$/m);
    expect(r.stdout).toBe('');
  });
});
