import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { validatePipeline } from '../src/graph/validate';
import { nodeTypes } from '../src/nodes/index';
import { pipelineJsonSchema } from '../src/schema/json-schema';

/** Typos must not pass: the validator names them, and the published JSON Schema refuses the same documents. */

type Node = { id: string; type: string; config?: Record<string, unknown>; [key: string]: unknown };

/** input q → NODE (reads {{ q }}) → output out. */
function around(node: Node) {
  return {
    format: 'patchbay.pipeline/v1',
    name: 'typos',
    nodes: [
      { id: 'q', type: 'input', config: { name: 'q', valueType: 'string' } },
      node,
      { id: 'out', type: 'output', config: { name: 'out' } },
    ],
    edges: [
      { from: 'q.value', to: `${node.id}.q` },
      { from: `${node.id}.text`, to: 'out.value' },
    ],
  };
}
const agent = (config: Record<string, unknown>): Node => ({
  id: 'helper',
  type: 'agent',
  config: { model: 'offline:scripted', prompt: 'Help with {{ q }}', tools: [], ...config },
});

const problemsOf = (value: unknown) => validatePipeline(value).problems;

describe('validation catches typos', () => {
  it('names an unknown config key, suggests the close one and lists the known keys', () => {
    const problems = problemsOf(around(agent({ temprature: 0.2 })));
    // agent has no temperature: no known key is close enough to suggest, so the message lists them.
    expect(problems).toEqual([
      {
        path: '$.nodes[1].config.temprature',
        code: 'unknown-config-key',
        message: 'node "helper": config.temprature: unknown key (agent knows: model, system, prompt, tools, maxSteps, maxParallelTools, maxToolResultChars)',
        nodes: ['helper'],
      },
    ]);
  });

  it('suggests the close key when there is one, also across case and underscores', () => {
    const llm = (config: Record<string, unknown>): Node => ({ id: 'reply', type: 'llm', config: { model: 'offline:echo', prompt: '{{ q }}', ...config } });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ temprature: 0 }, 'temperature'],
      [{ max_tokens: 10 }, 'maxTokens'],
      [{ System: 'be brief' }, 'system'],
      [{ promt: 'x' }, 'prompt'],
    ];
    for (const [config, suggested] of cases) {
      const [problem, ...rest] = problemsOf(around(llm(config)));
      expect(rest).toEqual([]);
      expect(problem).toMatchObject({ code: 'unknown-config-key', path: `$.nodes[1].config.${Object.keys(config)[0]}`, nodes: ['reply'] });
      expect(problem.message).toContain(`did you mean "${suggested}"?`);
      expect(problem.message).toContain('(llm knows: model, system, prompt, temperature, maxTokens, jsonSchema, stop)');
    }
  });

  it('says where a node-level setting goes when it is put inside config', () => {
    const [problem] = problemsOf(around(agent({ timeoutMs: 5000 })));
    expect(problem).toMatchObject({ code: 'unknown-config-key', path: '$.nodes[1].config.timeoutMs' });
    expect(problem.message).toContain('timeoutMs goes on the node, beside config');
  });

  it('reports every unknown key beside the config’s other problems, and still judges the edges', () => {
    const problems = problemsOf(around(agent({ maxSteps: 0, colour: 'red', tols: ['x'] })));
    expect(problems.map((p) => [p.code, p.path]).sort()).toEqual([
      ['invalid-config', '$.nodes[1].config.maxSteps'],
      ['unknown-config-key', '$.nodes[1].config.colour'],
      ['unknown-config-key', '$.nodes[1].config.tols'],
    ]);
    expect(problems.find((p) => p.path.endsWith('tols'))!.message).toContain('did you mean "tools"?');
  });

  it('names a node-level key that is a slip for one the node has, or a config key put beside config', () => {
    const llm: Node = { id: 'reply', type: 'llm', config: { model: 'offline:echo', prompt: '{{ q }}' } };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ timeoutMS: 5000 }, 'did you mean "timeoutMs"?'],
      [{ retires: 2 }, 'did you mean "retries"?'],
      [{ Label: 'Reply' }, 'did you mean "label"?'],
      [{ temperature: 0 }, 'temperature goes in config'],
    ];
    for (const [extra, says] of cases) {
      const key = Object.keys(extra)[0];
      const [problem, ...rest] = problemsOf(around({ ...llm, ...extra }));
      expect(rest).toEqual([]);
      expect(problem).toMatchObject({ code: 'unknown-node-key', path: `$.nodes[1].${key}`, nodes: ['reply'] });
      expect(problem.message).toBe(`node "reply": ${key}: unknown key; ${says} (a node has: id, type, label, position, config, timeoutMs, retries)`);
    }
  });

  // A body of a few MB can hold 300,000 keys: one problem each made a 20x larger list (stored with the version, and
  // answered), and past ~120,000 validation itself failed ("internal-error ... Maximum call stack size exceeded").
  it('names the first 20 unknown keys of a node and counts the rest, however many a document holds', () => {
    for (const count of [21, 100_000, 300_000]) {
      const config: Record<string, unknown> = { model: 'offline:echo', prompt: '{{ q }}' };
      for (let i = 0; i < count; i++) config[`k${i}`] = 0;
      const problems = problemsOf(around({ id: 'reply', type: 'llm', config }));
      expect(problems.map((p) => p.code)).toEqual(Array(21).fill('unknown-config-key'));
      expect(problems[19].path).toBe('$.nodes[1].config.k19');
      expect(problems[20]).toMatchObject({ path: '$.nodes[1].config', nodes: ['reply'] });
      expect(problems[20].message).toMatch(new RegExp(`^node "reply": config has ${(count - 20).toLocaleString('en-US')} more unknown key`));
    }
    const slips: Record<string, unknown> = {};
    // each a slip for timeoutMs (4 letters past it): each one alone would be named
    for (let i = 0; i < 200_000; i++) slips[`timeoutMs${i.toString(36).padStart(4, '0')}`] = 1;
    const misplaced = problemsOf(around({ id: 'reply', type: 'llm', config: { model: 'offline:echo', prompt: '{{ q }}' }, ...slips }));
    expect(misplaced.map((p) => p.code)).toEqual(Array(21).fill('unknown-node-key'));
    expect(misplaced[20]).toMatchObject({ path: '$.nodes[1]' });
    expect(misplaced[20].message).toMatch(/^node "reply": 199,980 more unknown keys/);
  });

  // Full-width letters (an IME left on) read as the key they look like to a person, and were left alone as a note:
  // the node ran without its time limit.
  it('names a node-level key written in full-width or other look-alike letters as the key it looks like', () => {
    const llm: Node = { id: 'reply', type: 'llm', config: { model: 'offline:echo', prompt: '{{ q }}' } };
    for (const [key, says] of [
      ['ｔｉｍｅｏｕｔＭｓ', 'did you mean "timeoutMs"?'],
      ['ｒｅｔｒｉｅｓ', 'did you mean "retries"?'],
      ['ｔｅｍｐｅｒａｔｕｒｅ', 'temperature goes in config'],
    ] as const) {
      const [problem, ...rest] = problemsOf(around({ ...llm, [key]: 1 }));
      expect(rest, key).toEqual([]);
      expect(problem, key).toMatchObject({ code: 'unknown-node-key', path: `$.nodes[1][${JSON.stringify(key)}]`, nodes: ['reply'] });
      expect(problem.message, key).toContain(says);
    }
  });

  it('quotes a node-level key that is no identifier whole, as JSON, in the message', () => {
    const llm: Node = { id: 'reply', type: 'llm', config: { model: 'offline:echo', prompt: '{{ q }}' }, 'timeout ms': 5000 };
    const [problem] = problemsOf(around(llm));
    expect(problem).toMatchObject({ code: 'unknown-node-key', path: '$.nodes[1]["timeout ms"]' });
    expect(problem.message).toBe('node "reply": "timeout ms": unknown key; did you mean "timeoutMs"? (a node has: id, type, label, position, config, timeoutMs, retries)');
  });

  // Parsing drops a key the document does not have: a slip for one of its own lost the description, or every edge.
  it('refuses a key of the document that is a slip or a look-alike of one it has, and leaves $schema and others alone', () => {
    const base = around(agent({}));
    for (const [key, meant] of [
      ['Title', 'title'],
      ['descripton', 'description'],
      ['edge', 'edges'],
      ['ｎａｍｅ', 'name'],
    ] as const) {
      // The value each would have held: a list of edges under `edge`, text under the rest.
      const [problem, ...rest] = problemsOf({ ...base, [key]: meant === 'edges' ? base.edges : 'x' });
      expect(rest, key).toEqual([]);
      expect(problem, key).toMatchObject({ code: 'unknown-document-key', path: key === 'ｎａｍｅ' ? '$["ｎａｍｅ"]' : `$.${key}` });
      expect(problem.message, key).toBe(
        `${key === 'ｎａｍｅ' ? '"ｎａｍｅ"' : key}: unknown key; did you mean "${meant}"? (a pipeline document has: format, name, title, description, nodes, edges)`,
      );
    }
    expect(validatePipeline({ ...base, $schema: './pipeline.schema.json', comment: 'kept in git' })).toMatchObject({ valid: true, problems: [] });
  });

  // A key near one of the document's that cannot be holding what that key holds is a word of its own, ignored as
  // before 96fb15c: `notes` (text, or a list of lines) is not a slip for `nodes`, nor a list of `names` for `name`.
  it("leaves alone a key near one of the document's whose value could not be that key's", () => {
    const base = around(agent({}));
    for (const extra of [{ notes: 'reviewed by Ada' }, { notes: ['call Ada', 'then ship'] }, { names: ['a', 'b'] }, { codes: 'x' }, { edge: 'see the wiki' }]) {
      expect(validatePipeline({ ...base, ...extra }), JSON.stringify(extra)).toMatchObject({ valid: true, problems: [] });
    }
  });

  it("leaves other keys on a node alone (an editor draft's pins, a note): they are not run", () => {
    const llm: Node = { id: 'reply', type: 'llm', config: { model: 'offline:echo', prompt: '{{ q }}' }, pinned: { text: 'PINNED' }, note: 'ask Ada' };
    expect(validatePipeline(around(llm))).toMatchObject({ valid: true, problems: [] });
  });

  it('suggests the closest known node type for an unknown one', () => {
    const [problem] = problemsOf({ ...around(agent({})), nodes: [{ id: 'x', type: 'tempalte', config: { template: 'hi' } }], edges: [] });
    expect(problem).toMatchObject({ code: 'unknown-node-type', path: '$.nodes[0].type' });
    expect(problem.message).toContain('unknown node type "tempalte"; did you mean "template"?');
    const [far] = problemsOf({ ...around(agent({})), nodes: [{ id: 'x', type: 'teleport' }], edges: [] });
    expect(far.message).not.toContain('did you mean');
  });
});

describe('the JSON Schema refuses what validation refuses', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const schemaAccepts = ajv.compile(pipelineJsonSchema());

  const documents: Array<[string, unknown]> = [
    ['an unknown key in an agent config', around(agent({ temprature: 0.2 }))],
    ['an unknown key in an llm config', around({ id: 'reply', type: 'llm', config: { model: 'offline:echo', prompt: '{{ q }}', max_tokens: 5 } })],
    ['an agent without config', around({ id: 'helper', type: 'agent' })],
    ['an output without config', { ...around(agent({})), nodes: [...around(agent({})).nodes.slice(0, 2), { id: 'out', type: 'output' }] }],
    ['an unknown node type', { ...around(agent({})), nodes: [...around(agent({})).nodes, { id: 'x', type: 'tempalte', config: { template: 'hi' } }] }],
    ['a slip for a node key beside config (unknown-node-key)', around({ id: 'reply', type: 'llm', config: { model: 'offline:echo', prompt: '{{ q }}' }, timeoutMS: 5000 })],
    ['a slip for a key of the document (unknown-document-key)', { ...around(agent({})), descripton: 'answers from the docs' }],
    ['a config key put beside config (unknown-node-key)', around({ id: 'reply', type: 'llm', config: { model: 'offline:echo', prompt: '{{ q }}' }, temperature: 0 })],
  ];

  it.each(documents)('%s', (_what, document) => {
    expect(validatePipeline(document).valid).toBe(false);
    expect(schemaAccepts(document)).toBe(false);
  });

  it('needs config exactly for the types whose schema has required settings, as validation does', () => {
    const bare = (type: string) => ({ format: 'patchbay.pipeline/v1', name: 'bare', nodes: [{ id: 'n', type }], edges: [] });
    const schemaOnly = Object.keys(nodeTypes).map((type) => [type, nodeTypes[type].configSchema.safeParse({}).success] as const);
    expect(schemaOnly.some(([, ok]) => ok)).toBe(true);
    expect(schemaOnly.some(([, ok]) => !ok)).toBe(true);
    for (const [type, optional] of schemaOnly) {
      const configProblems = validatePipeline(bare(type)).problems.filter((p) => p.path.startsWith('$.nodes[0].config'));
      // A type's own check (map: a ref or an expression) is beyond JSON Schema; its zod schema is not.
      if (optional) expect(schemaAccepts(bare(type)), `${type}: ${JSON.stringify(schemaAccepts.errors)}`).toBe(true);
      else {
        expect(configProblems.length, type).toBeGreaterThan(0);
        expect(schemaAccepts(bare(type)), type).toBe(false);
      }
    }
  });

  // Validation ignores such a key, but it is dropped when the document is parsed (never stored): the schema says so.
  it('refuses any other key on a node too, as none is kept', () => {
    const noted = around({ id: 'reply', type: 'llm', config: { model: 'offline:echo', prompt: '{{ q }}' }, note: 'ask Ada' });
    expect(validatePipeline(noted).valid).toBe(true);
    expect(schemaAccepts(noted)).toBe(false);
    expect(schemaAccepts.errors).toContainEqual(expect.objectContaining({ keyword: 'additionalProperties', params: { additionalProperty: 'note' } }));
  });

  it('accepts the same documents once the typos are fixed', () => {
    const fixed = around(agent({ maxSteps: 3 }));
    expect(validatePipeline(fixed).problems).toEqual([]);
    expect(schemaAccepts(fixed), JSON.stringify(schemaAccepts.errors)).toBe(true);
  });
});
