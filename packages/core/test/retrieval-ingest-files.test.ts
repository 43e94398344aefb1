import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createModelService } from '../src/node/providers/model-service';
import { createOfflineProvider } from '../src/node/providers/offline';
import { MAX_INGEST_BYTES, readIngestFiles } from '../src/node/retrieval/ingest-files';
import { openRetrievalStore, type RetrievalStore } from '../src/node/retrieval/store';

let dir: string;
let store: RetrievalStore;
const file = (name: string, text: string) => {
  const path = join(dir, 'files', name);
  writeFileSync(path, text);
  return path;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-ingest-'));
  mkdirSync(join(dir, 'files'));
  store = openRetrievalStore({ dataDir: join(dir, 'data'), models: createModelService({ offline: createOfflineProvider() }) });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ingesting files', () => {
  it('indexes .md, .txt, .json and .jsonl with the file path as source', async () => {
    const md = file('guide.md', '# Setup\n\nPlug the lamp into a grounded socket.\n\nPress the dimmer once.');
    const txt = file('notes.txt', 'The travel case is sold separately.');
    const json = file('faq.json', JSON.stringify([{ id: 'faq-1', text: 'Orders ship from Rotterdam.', lang: 'en' }, 'Gift cards never expire.']));
    const jsonl = file('tickets.jsonl', '{"content": "Customer asked about a cracked shade."}\n\n{"id": 7, "text": "Customer asked for an invoice copy.", "metadata": {"priority": "low"}}\n');
    const { chunks } = await store.ingestFiles('mixed', [md, txt, json, jsonl]);
    expect(chunks).toBe(6);

    const top = async (q: string) => (await store.search('mixed', q, { topK: 1, mode: 'keyword' }))[0];
    expect(await top('grounded socket')).toMatchObject({ id: md, source: md });
    expect((await top('grounded socket')).text).toContain('Press the dimmer once.');
    expect(await top('travel case')).toMatchObject({ id: txt, source: txt });
    expect(await top('Rotterdam')).toMatchObject({ id: 'faq-1', source: json, metadata: { lang: 'en' } });
    expect(await top('gift cards')).toMatchObject({ id: `${json}:2`, source: json });
    expect(await top('cracked shade')).toMatchObject({ id: `${jsonl}:1`, source: jsonl });
    expect(await top('invoice')).toMatchObject({ id: '7', source: jsonl, metadata: { priority: 'low' } });
  });

  it('re-indexing the same files replaces their chunks', async () => {
    const md = file('a.md', 'First version of the page.');
    await store.ingestFiles('docs', [md]);
    writeFileSync(md, 'Second version of the page.');
    await store.ingestFiles('docs', [md]);
    expect(store.listIndexes()).toEqual([{ name: 'docs', chunks: 1, embeddingModel: 'offline:hash' }]);
    expect(await store.search('docs', 'first', { topK: 1, mode: 'keyword' })).toEqual([]);
  });

  it('gives a file one id however its path is written (./a.md, a.md, dir/../a.md, its absolute path), so it is one document', async () => {
    mkdirSync(join(dir, 'files', 'sub'));
    file('a.md', 'The lamp ships with a braided cable.');
    file('t.jsonl', '"Cables are two metres long."\n');
    const items = await readIngestFiles(['./files/a.md', 'files/a.md', 'files//sub/../a.md', join(dir, 'files', 'a.md'), './files/t.jsonl', 'files/t.jsonl'], { cwd: dir });
    expect(items.map((i) => i.id)).toEqual(['files/a.md', 'files/a.md', 'files/a.md', 'files/a.md', 'files/t.jsonl:1', 'files/t.jsonl:1']);
    // The source stays the path as typed.
    expect(items[0].source).toBe('./files/a.md');
    await store.ingestFiles('docs', ['./files/a.md', 'files/t.jsonl'], { cwd: dir });
    await store.ingestFiles('docs', ['files/a.md', './files/t.jsonl', join(dir, 'files', 'a.md')], { cwd: dir });
    expect(store.listIndexes()[0].chunks).toBe(2);
    const hits = await store.search('docs', 'braided cable', { topK: 5, mode: 'keyword' });
    expect(hits.map((h) => h.id)).toEqual(['files/a.md', 'files/t.jsonl:1']);
  });

  it('adds nothing when one of the files is missing or unreadable', async () => {
    const ok = file('ok.md', 'Fine.');
    await expect(store.ingestFiles('docs', [ok, join(dir, 'files', 'gone.md')])).rejects.toThrow(/gone\.md: no such file/);
    expect(store.listIndexes()).toEqual([]);
  });

  it('names the file and line of bad input', async () => {
    await expect(readIngestFiles([file('bad.jsonl', '{"text": "ok"}\n{oops\n')])).rejects.toThrow(/bad\.jsonl:2: not valid JSON/);
    await expect(readIngestFiles([file('bad.json', '[{"title": "no text"}]')])).rejects.toThrow(/bad\.json\[0\]: a document needs a string "text"/);
    await expect(readIngestFiles([file('table.csv', 'a,b')])).rejects.toThrow(/unsupported file type "\.csv"/);
  });

  it('refuses what is not a regular file at once, naming it: a named pipe, a device, a folder', async () => {
    const pipe = join(dir, 'files', 'pipe.txt');
    execFileSync('mkfifo', [pipe]); // reading it would wait for a writer that never comes
    const zero = join(dir, 'files', 'zero.txt');
    symlinkSync('/dev/zero', zero); // reading it would never end
    const folder = join(dir, 'files', 'notes');
    mkdirSync(folder);
    // Each would wait or read for ever if opened: refused at once, the test's own timeout is the bound.
    await expect(readIngestFiles([pipe])).rejects.toThrow(`${pipe}: a named pipe, not a file; only regular files are indexed`);
    await expect(readIngestFiles([zero])).rejects.toThrow(`${zero}: a device, not a file; only regular files are indexed`);
    await expect(readIngestFiles([folder])).rejects.toThrow(`${folder}: a folder; give the files in it (e.g. ${folder}/*.md)`);
  });

  it('reads UTF-8 with or without a byte order mark, and refuses other encodings and binary files with their line', async () => {
    const bom = '\ufeff';
    const json = file('excel.json', `${bom}[{"id": "a", "text": "Saved with a byte order mark."}]`);
    const jsonl = file('notepad.jsonl', `${bom}{"id": "b", "text": "Also with a mark."}\n`);
    const md = file('marked.md', `${bom}Marked page.`);
    expect(await readIngestFiles([json, jsonl, md])).toEqual([
      { id: 'a', text: 'Saved with a byte order mark.', source: json },
      { id: 'b', text: 'Also with a mark.', source: jsonl },
      { id: md, text: 'Marked page.', source: md },
    ]);

    const latin1 = join(dir, 'files', 'menu.txt');
    writeFileSync(latin1, Buffer.from('Dessert\n\ncaf\xe9 cr\xe8me br\xfbl\xe9e\n', 'latin1'));
    await expect(readIngestFiles([latin1])).rejects.toThrow(`${latin1}:3: not UTF-8 text; save the file as UTF-8 and index it again`);
    const binary = join(dir, 'files', 'photo.md');
    writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
    await expect(readIngestFiles([binary])).rejects.toThrow(`${binary}:3: a NUL byte: a binary file, not text`);
    const utf16 = join(dir, 'files', 'windows.txt');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Hello', 'utf16le')]));
    await expect(readIngestFiles([utf16])).rejects.toThrow(`${utf16}: UTF-16 text; save the file as UTF-8 and index it again`);
  });

  it('refuses a lone surrogate written as a JSON escape, naming its line: it would be stored as U+FFFD', async () => {
    // Indexed, "s\ud800" came back as the id "s\ufffd\ufffd\ufffd" and one such id stood for several documents.
    await expect(readIngestFiles([file('lone.jsonl', '{"text": "fine"}\n{"id": "s\\ud800", "text": "doc"}\n')])).rejects.toThrow(
      /lone\.jsonl:2: \$\.id: a lone surrogate \(\\ud800\), which is not Unicode text$/,
    );
    await expect(readIngestFiles([file('lone.json', '["plain", "half \\udc00 of a pair"]')])).rejects.toThrow(
      /lone\.json\[1\]: \$: a lone surrogate \(\\udc00\), which is not Unicode text$/,
    );
    await expect(readIngestFiles([file('lone-key.jsonl', '{"text": "x", "metadata": {"\\ud83d": 1}}\n')])).rejects.toThrow(
      /lone-key\.jsonl:1: \$\.metadata: a lone surrogate \(\\ud83d\), which is not Unicode text$/,
    );
    // A pair, escaped or not, is one character.
    expect(await readIngestFiles([file('pair.jsonl', '{"id": "p", "text": "a \\ud83d\\ude00 face"}\n')])).toEqual([{ id: 'p', text: 'a \u{1F600} face', source: join(dir, 'files', 'pair.jsonl') }]);
  });

  it('refuses a document nested deeper than a run may carry, or with a __proto__ key, naming its line', async () => {
    // 200,000 levels overflowed the stack ("Maximum call stack size exceeded", exit 1); 300 were indexed,
    // and then every retrieve that found the document failed its run (outputs nest at most 256 levels).
    const deep = (n: number) => `{"text": "deep", "metadata": ${'{"a": '.repeat(n)}1${'}'.repeat(n)}}`;
    await expect(readIngestFiles([file('deep.jsonl', `{"text": "fine"}\n${deep(200_000)}\n`)])).rejects.toThrow(/deep\.jsonl:2: \$\.metadata\.a\.a\.a…\(250 more levels\)…\.a\.a nests deeper than the limit of 256 levels$/);
    await expect(readIngestFiles([file('deep.json', `[${deep(300)}]`)])).rejects.toThrow(/deep\.json\[0\]: \$\.metadata\.a\.a\.a…\(250 more levels\)…\.a\.a nests deeper than the limit of 256 levels$/);
    await expect(readIngestFiles([file('proto.jsonl', '{"text": "x", "__proto__": {"admin": true}}\n')])).rejects.toThrow('proto.jsonl:1: $: the key "__proto__" is not accepted in JSON');
    expect(await readIngestFiles([file('ok.jsonl', `${deep(200)}\n`)])).toHaveLength(1);
  });

  it('refuses a "metadata" that is not an object of fields rather than dropping it or numbering its items', async () => {
    await expect(readIngestFiles([file('m.jsonl', '{"text": "a", "metadata": "internal only"}\n')])).rejects.toThrow('m.jsonl:1: "metadata" must be an object of fields, got a string');
    await expect(readIngestFiles([file('m.json', '[{"text": "a", "metadata": ["faq", "billing"]}]')])).rejects.toThrow('m.json[0]: "metadata" must be an object of fields, got an array');
    expect(await readIngestFiles([file('ok.jsonl', '{"text": "a", "lang": "en", "metadata": {"tags": ["faq"]}}\n{"text": "b", "metadata": null}\n')])).toMatchObject([
      { metadata: { lang: 'en', tags: ['faq'] } },
      { text: 'b' },
    ]);
  });

  it('refuses files past what one ingest can hold in memory, before reading them, instead of running out of heap', async () => {
    // 100 MB of text under a 300 MB heap died with "FATAL ERROR: … JavaScript heap out of memory" and V8's stack.
    expect(MAX_INGEST_BYTES).toBe(256 * 1024 * 1024);
    const a = file('a.txt', 'x '.repeat(600));
    const b = file('b.txt', 'y '.repeat(600));
    await expect(readIngestFiles([a], { maxBytes: 1000 })).rejects.toThrow(`${a}: 1.2 KB of files; one ingest takes at most 1000 B (it is held in memory while it is embedded): index them in several commands`);
    await expect(readIngestFiles([a, b], { maxBytes: 2000 })).rejects.toThrow(`${b}: 2.3 KB of files up to here; one ingest takes at most 2.0 KB (it is held in memory while it is embedded): index them in several commands`);
    expect(await readIngestFiles([a, b], { maxBytes: 2400 })).toHaveLength(2);
  });

  it('refuses an "id" that is not a string or a number rather than putting the line number in its place', async () => {
    // A MongoDB export's {"$oid": …} ids were silently replaced by "export.jsonl:N".
    await expect(readIngestFiles([file('export.jsonl', '{"_id": 1, "id": {"$oid": "65a1"}, "text": "a"}\n')])).rejects.toThrow('export.jsonl:1: "id" must be a string or a number, got an object');
    await expect(readIngestFiles([file('flags.json', '[{"id": true, "text": "a"}]')])).rejects.toThrow('flags.json[0]: "id" must be a string or a number, got a boolean');
    expect(await readIngestFiles([file('ok.jsonl', '{"id": null, "text": "a"}\n')])).toMatchObject([{ id: expect.stringMatching(/ok\.jsonl:1$/) }]);
  });

  it('refuses a number "id" that JSON cannot read back as written: 1e400 became the id "Infinity", 12345678901234567890 "12345678901234567000"', async () => {
    const why = 'is a number too large to read exactly; write the id as text, in quotes';
    await expect(readIngestFiles([file('huge.jsonl', '{"id": 1e400, "text": "a"}\n')])).rejects.toThrow(`huge.jsonl:1: "id" ${why}`);
    await expect(readIngestFiles([file('long.json', '[{"id": 12345678901234567890, "text": "a"}]')])).rejects.toThrow(`long.json[0]: "id" ${why}`);
    expect(await readIngestFiles([file('fine.jsonl', '{"id": 9007199254740991, "text": "a"}\n{"id": 2.5, "text": "b"}\n{"id": "1e400", "text": "c"}\n')])).toMatchObject([
      { id: '9007199254740991' }, { id: '2.5' }, { id: '1e400' },
    ]);
  });
});
