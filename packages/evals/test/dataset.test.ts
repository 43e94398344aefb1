import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, inspectDataset, readCases } from '../src/dataset';
import { CASES_PER_TURN } from '../src/case-turns';
import { eventLoopTurnsDuring } from '../../core/test/event-loop-turns';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'pb-dataset-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

async function file(name: string, text: string) {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function all(path: string) {
  const out = [];
  for await (const c of readCases({ path })) out.push(c.case);
  return out;
}

const cases = [
  { id: 'c1', input: { question: 'What is 2+2?' }, expected: '4', tags: ['math'] },
  { id: 'c2', input: { question: 'Capital of France?' }, expected: 'Paris' },
];

describe('datasets', () => {
  it('reads JSONL, skipping blank lines', async () => {
    const path = await file('a.jsonl', cases.map((c) => JSON.stringify(c)).join('\n\n') + '\n');
    expect(await all(path)).toEqual(cases);
    const info = await inspectDataset({ path });
    expect(info.cases).toBe(2);
    expect(info.format).toBe('jsonl');
    expect(info.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes by content: the same cases in JSONL, a JSON array or inline share the hash; a change moves it', async () => {
    const jsonl = await inspectDataset({ path: await file('b.jsonl', cases.map((c) => JSON.stringify(c)).join('\n')) });
    const array = await inspectDataset({ path: await file('b.json', JSON.stringify(cases, null, 2)) });
    const inline = await inspectDataset({ inline: cases, label: 'suite.yaml' });
    expect(array.format).toBe('json');
    expect(array.hash).toBe(jsonl.hash);
    expect(inline.hash).toBe(jsonl.hash);
    const changed = await inspectDataset({ inline: [cases[0], { ...cases[1], expected: 'paris' }], label: 's' });
    expect(changed.hash).not.toBe(jsonl.hash);
  });

  it('reads CSV: id, expected, tags; other columns are inputs; metadata.* is metadata', async () => {
    const path = await file('c.csv', 'id,question,expected,tags,metadata.source\nc1,"What is 2+2, really?",4,math;easy,kb\nc2,Capital?,Paris,,\n');
    expect(await all(path)).toEqual([
      { id: 'c1', input: { question: 'What is 2+2, really?' }, expected: '4', tags: ['math', 'easy'], metadata: { source: 'kb' } },
      { id: 'c2', input: { question: 'Capital?' }, expected: 'Paris', tags: [], metadata: { source: '' } },
    ]);
    expect((await inspectDataset({ path })).format).toBe('csv');
  });

  it('says a directory given as the dataset is one (evals/ for evals/qa.jsonl), not Node\'s "EISDIR: illegal operation"', async () => {
    const why = `${dir}: a directory, not a dataset file (give its .jsonl, .json or .csv file)`;
    await expect(inspectDataset({ path: dir })).rejects.toThrow(new DatasetError(why));
    await expect(all(dir)).rejects.toThrow(why);
    await expect(inspectDataset({ path: join(dir, 'missing.jsonl') })).rejects.toThrow(`${join(dir, 'missing.jsonl')}: no such file`);
  });

  it('names a duplicate id and both line numbers (JSONL)', async () => {
    const path = await file('dup.jsonl', [
      JSON.stringify({ id: 'a', input: {} }),
      JSON.stringify({ id: 'dup', input: {} }),
      '',
      JSON.stringify({ id: 'b', input: {} }),
      JSON.stringify({ id: 'dup', input: {} }),
    ].join('\n'));
    await expect(inspectDataset({ path })).rejects.toThrow(`${path}: duplicate case id "dup" on lines 2 and 5`);
  });

  it('names both line numbers for a duplicate in a JSON array and in CSV', async () => {
    const json = await file('dup.json', '[\n  {"id": "x", "input": {}},\n  {"id": "y", "input": {}},\n  {"id": "x", "input": {}}\n]\n');
    await expect(inspectDataset({ path: json })).rejects.toThrow('duplicate case id "x" on lines 2 and 4');
    const csv = await file('dup.csv', 'id,q\nx,1\ny,2\nx,3\n');
    await expect(inspectDataset({ path: csv })).rejects.toThrow('duplicate case id "x" on lines 2 and 4');
  });

  it('names the line of a case that is not JSON, has no input, or has an unknown field', async () => {
    const bad = await file('bad.jsonl', '{"id": "a", "input": {}}\n{"id": "b", "input": \n');
    await expect(inspectDataset({ path: bad })).rejects.toThrow(/bad\.jsonl:2: not JSON/);
    const noInput = await file('noinput.jsonl', '{"id": "a", "expected": 1}\n');
    await expect(inspectDataset({ path: noInput })).rejects.toThrow(/noinput\.jsonl:1: input: required/);
    const typo = await file('typo.jsonl', '{"id": "a", "input": {}, "expect": 1}\n');
    await expect(inspectDataset({ path: typo })).rejects.toThrow(/typo\.jsonl:1: unknown field "expect"/);
    await expect(inspectDataset({ path: join(dir, 'missing.jsonl') })).rejects.toThrow(DatasetError);
  });

  it('names cases without an id by position, and reads number ids as text', async () => {
    const path = await file('noid.jsonl', '{"input": {"q": 1}}\n{"id": 7, "input": {"q": 2}}\n');
    expect((await all(path)).map((c) => c.id)).toEqual(['case-1', '7']);
  });

  it('refuses a number id that JSON cannot read back as written (1e400 read as Infinity, 12345678901234567890 as …000), saying so', async () => {
    const why = 'id is a number too large to read exactly; write it as text, in quotes';
    await expect(inspectDataset({ path: await file('huge.jsonl', '{"id": 1e400, "input": 1}\n') })).rejects.toThrow(/huge\.jsonl:1: id is a number too large/);
    await expect(inspectDataset({ path: await file('long.jsonl', '{"id": "a", "input": 1}\n{"id": 12345678901234567890, "input": 1}\n') })).rejects.toThrow(`:2: ${why}`);
    await expect(inspectDataset({ inline: [{ id: -Infinity, input: 1 }], label: 'suite.yaml (inline dataset)' })).rejects.toThrow(`suite.yaml (inline dataset): case 1: ${why}`);
    expect((await all(await file('exact.jsonl', '{"id": 9007199254740991, "input": 1}\n{"id": 2.5, "input": 1}\n'))).map((c) => c.id)).toEqual(['9007199254740991', '2.5']);
  });

  it('refuses a case id with a line break or another control character (it would break progress lines, JUnit and Markdown reports)', async () => {
    const jsonl = await file('ctl.jsonl', `${JSON.stringify({ id: 'ok', input: 'x' })}\n${JSON.stringify({ id: 'a\nb', input: 'x' })}\n`);
    await expect(inspectDataset({ path: jsonl })).rejects.toThrow(`${jsonl}:2: id: a case id is one line without control characters`);
    const csv = await file('ctl.csv', 'id,question\n"two\nlines",x\n');
    await expect(inspectDataset({ path: csv })).rejects.toThrow(/ctl\.csv:3: id: a case id is one line without control characters/);
    await expect(inspectDataset({ inline: [{ id: 'tab\there', input: 'x' }], label: 'suite.yaml (inline dataset)' })).rejects.toThrow('suite.yaml (inline dataset): case 1: id: a case id is one line without control characters');
    // Any other text is an id: spaces, punctuation, other scripts.
    expect((await all(await file('ids.jsonl', JSON.stringify({ id: 'réponse #1 | “quoted”', input: 'x' })))).map((c) => c.id)).toEqual(['réponse #1 | “quoted”']);
  });

  it('counts and streams a 20,000-case file', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ id: `c${i}`, input: { q: 'x'.repeat(200) } }));
    const path = await file('big.jsonl', lines.join('\n'));
    const info = await inspectDataset({ path });
    expect(info.cases).toBe(20_000);
    let n = 0;
    for await (const _ of readCases({ path })) n++;
    expect(n).toBe(20_000);
  });

  it('counts lines as readline does: CRLF, a lone CR, a BOM, and breaks that fall on a read-chunk boundary', async () => {
    // 64 KB is the read-stream chunk: pad the first line so the \r\n after it straddles the boundary.
    const firstLine = JSON.stringify({ id: 'a', input: { q: 'x'.repeat(65_000) } }).padEnd(65_532, ' '); // after the 3-byte BOM, the \r is byte 65,535
    const line = (id: string) => JSON.stringify({ id, input: {} });
    const text = (last: string) => `\uFEFF${firstLine}\r\n\r\n${line('b')}\r${line('dup')}\n${line(last)}\r\n`;
    const dup = await file('crlf.jsonl', text('dup'));
    await expect(inspectDataset({ path: dup })).rejects.toThrow(`${dup}: duplicate case id "dup" on lines 4 and 5`);
    const ok = await file('crlf-ok.jsonl', text('c'));
    const read: Array<[string, number | undefined]> = [];
    for await (const c of readCases({ path: ok })) read.push([c.case.id, c.line]);
    expect(read).toEqual([['a', 1], ['b', 3], ['dup', 4], ['c', 5]]);
  });

  it('refuses a file that is not UTF-8 (a Latin-1 export) naming its line, instead of reading "café" as "caf\\uFFFD"', async () => {
    const latin1 = (text: string) => Buffer.from(text, 'latin1');
    const at = async (name: string, bytes: Buffer) => {
      const path = join(dir, name);
      await writeFile(path, bytes);
      return path;
    };
    const jsonl = await at('latin1.jsonl', latin1('{"id":"a","input":"x"}\r\n{"id":"b","input":"caf\u00e9"}\n'));
    await expect(inspectDataset({ path: jsonl })).rejects.toThrow(`${jsonl}:2: not UTF-8 text (save the file as UTF-8)`);
    await expect(all(jsonl)).rejects.toThrow(DatasetError);
    const csv = await at('latin1.csv', latin1('id,question\na,x\nb,caf\u00e9\n'));
    await expect(inspectDataset({ path: csv })).rejects.toThrow(`${csv}:3: not UTF-8 text (save the file as UTF-8)`);
    const json = await at('latin1.json', latin1('[\n{"id":"a","input":"caf\u00e9"}\n]'));
    await expect(inspectDataset({ path: json })).rejects.toThrow(`${json}:2: not UTF-8 text (save the file as UTF-8)`);
    // A character split across read chunks (64 KB) is still one character.
    const long = `{"id":"a","input":"${'x'.repeat(65_536 - 20)}é€😀"}\n{"id":"b","input":"é"}\n`;
    const split = await at('split.jsonl', Buffer.from(long, 'utf8'));
    expect((await all(split)).map((c) => c.input)).toEqual([`${'x'.repeat(65_536 - 20)}é€😀`, 'é']);
  });

  it('refuses a CSV header that would drop a column: a name twice, an empty name, other inputs beside a whole "input"', async () => {
    const bad: Array<[string, string]> = [
      ['id,question,question,expected\na,first,second,first\n', 'column "question" is there twice (columns 2 and 3); one of them would be dropped'],
      ['id,input.question,question\na,x,y\n', 'column "question" is there twice (columns 2 and 3); one of them would be dropped'],
      ['id,expected,expected\na,x,y\n', 'column "expected" is there twice (columns 2 and 3); one of them would be dropped'],
      ['id,,expected\na,x,x\n', 'column 2 has no name'],
      ['id,input,question\na,x,y\n', 'column "question" is an input beside the "input" column, which is the whole input; name it input.NAME or drop "input"'],
      // it would set the record's prototype: the column was dropped without a word
      ['id,__proto__,expected\na,x,x\n', 'column 2 "__proto__": the key "__proto__" is not accepted in JSON (it would set an object\'s prototype)'],
      ['id,question,metadata.__proto__\na,x,y\n', 'column 3 "metadata.__proto__": the key "__proto__" is not accepted in JSON (it would set an object\'s prototype)'],
    ];
    for (const [text, why] of bad) {
      const path = await file('header.csv', text);
      await expect(inspectDataset({ path }), text).rejects.toThrow(`${path}:1: ${why}`);
    }
    // metadata.* and tags are their own columns; a name that only looks alike is not a duplicate.
    const ok = await file('header-ok.csv', 'id,question,metadata.question,tags,expected\na,x,m,t1;t2,x\n');
    expect(await all(ok)).toEqual([{ id: 'a', input: { question: 'x' }, expected: 'x', tags: ['t1', 't2'], metadata: { question: 'm' } }]);
  });

  it('refuses what the case schema refuses, field by field', async () => {
    const bad: Array<[unknown, RegExp]> = [
      // in plain words, not zod's ("id: Invalid input", "tags: Invalid input: expected array, received string")
      [{ id: '', input: {} }, /:1: id cannot be empty$/],
      [{ id: true, input: {} }, /:1: id must be text or a number$/],
      [{ id: 'a', input: {}, tags: ['ok', 3] }, /:1: tags\.1 must be text \(it is a number\)$/],
      [{ id: 'a', input: {}, tags: 'one' }, /:1: tags must be a list \(it is text\)$/],
      [{ id: 'a', input: {}, metadata: [1] }, /:1: metadata must be an object \(it is a list\)$/],
      [{ id: 'a', input: {}, metadata: null }, /:1: metadata must be an object \(it is null\)$/],
      [{ id: 'a', input: {}, extra: 1 }, /:1: unknown field "extra"/],
    ];
    for (const [value, message] of bad) {
      const path = await file('bad-field.jsonl', JSON.stringify(value) + '\n');
      await expect(inspectDataset({ path }), JSON.stringify(value)).rejects.toThrow(message);
    }
    const good = await file('good.jsonl', JSON.stringify({ id: 4, input: 'text', expected: null, tags: [], metadata: { k: [1] } }) + '\n');
    expect(await all(good)).toEqual([{ id: '4', input: 'text', expected: null, tags: [], metadata: { k: [1] } }]);
  });

  it('lets the event loop turn while it reads cases held in memory: a stored dataset of 100,000 held a runner for seconds', async () => {
    // Inline cases and a JSON array await only promises: without a turn every CASES_PER_TURN cases a whole
    // read ran in one stretch of microtasks (0 turns). Counted against the cases read, never timed.
    const many = Array.from({ length: 4 * CASES_PER_TURN }, (_, i) => ({ id: `c${i}`, input: { question: `q${i}` }, expected: 'x' }));
    const inline = await eventLoopTurnsDuring(() => inspectDataset({ inline: many, label: 's' }));
    expect(inline.result.cases).toBe(many.length);
    expect(inline.turns).toBeGreaterThanOrEqual(many.length / CASES_PER_TURN - 1);

    const read = await eventLoopTurnsDuring(async () => {
      const out = [];
      for await (const c of readCases({ path: await file('many.json', JSON.stringify(many)) })) out.push(c.case);
      return out;
    });
    expect(read.result).toEqual(many);
    expect(read.turns).toBeGreaterThanOrEqual(many.length / CASES_PER_TURN - 1);
    // The same cases, the same hash, however the read was sliced.
    expect((await inspectDataset({ path: await file('many.jsonl', many.map((c) => JSON.stringify(c)).join('\n')) })).hash).toBe(inline.result.hash);
  });
});
