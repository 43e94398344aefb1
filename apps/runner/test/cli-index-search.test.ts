import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub } from '../../../test/support/openai-stub';

const BIN = fileURLToPath(new URL('../bin/patchbay.js', import.meta.url));
let cwd: string;
const realCwd = () => realpathSync(cwd);

/** `patchbay ARGS` as a child process in the temp workspace, with no PATCHBAY_* from the host. */
function patchbay(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return runIn(cwd, args, env);
}

function runIn(dir: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PATCHBAY_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env: { ...base, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'patchbay-cli-index-'));
  mkdirSync(join(cwd, 'docs'));
  writeFileSync(join(cwd, 'docs/refunds.md'), '# Refunds\n\nRefunds are issued to the original payment method within five business days.\n');
  writeFileSync(join(cwd, 'docs/shipping.txt'), 'Standard shipping takes three to seven days; express shipping two days.');
  writeFileSync(join(cwd, 'docs/faq.jsonl'), '{"id": "gift", "text": "Gift cards never expire and can be used on any lamp."}\n');
  writeFileSync(
    join(cwd, 'ask.json'),
    JSON.stringify({
      format: 'patchbay.pipeline/v1',
      name: 'ask',
      nodes: [
        { id: 'q', type: 'input', config: { name: 'question', valueType: 'string' } },
        { id: 'search', type: 'retrieve', config: { index: 'docs', topK: 1, mode: 'hybrid' } },
        { id: 'out', type: 'output', config: { name: 'docs' } },
      ],
      edges: [
        { from: 'q.value', to: 'search.query' },
        { from: 'search.documents', to: 'out.value' },
      ],
    }),
  );
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('patchbay index and search', () => {
  it('indexes files into ./.patchbay and searches them, source first, one result per line', async () => {
    const indexed = await patchbay(['index', 'docs', 'docs/refunds.md', 'docs/shipping.txt', 'docs/faq.jsonl']);
    // Indexing writes: it creates the data dir, and says where.
    expect(indexed).toMatchObject({ code: 0, stderr: `created the data dir ${join(realCwd(), '.patchbay')}\n` });
    expect(indexed.stdout).toBe('indexed 3 chunks from 3 files into "docs" (3 in total; embeddings: offline:hash)\n');
    expect(existsSync(join(cwd, '.patchbay', 'retrieval.sqlite'))).toBe(true);

    const found = await patchbay(['search', 'docs', 'how long does shipping take']);
    expect(found.code).toBe(0);
    const lines = found.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^docs\/shipping\.txt +\d+\.\d+ {2}Standard shipping takes three to seven days; express shipping two days\.$/);
    expect(lines.length).toBeLessThanOrEqual(5);
  });

  it('shows its progress on a terminal as eval does (a bar redrawn on stderr), and no bar through a pipe', async () => {
    const many = Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: `p${i}`, text: `page ${i} of the lamp manual` })).join('\n');
    writeFileSync(join(cwd, 'manual.jsonl'), many);
    // A real terminal: script(1) runs the CLI on a pseudo-terminal (stdout and stderr both go to it).
    const command = [process.execPath, BIN, 'index', 'manual', 'manual.jsonl', '--data', 'tty-data'].join(' ');
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PATCHBAY_')));
    const tty = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile('script', ['-qec', command, '/dev/null'], { cwd, env: base }, (err, stdout) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout }));
    });
    expect(tty.code, tty.out).toBe(0);
    expect(tty.out).toMatch(/\r\x1b\[2K\[[█░]{24}\] embedding \d+\/300 chunks {2}\d+s/);
    expect(tty.out).toContain('\r\x1b[2K[████████████████████████] writing 300/300 chunks');
    // The bar's line is ended before the summary.
    expect(tty.out).toMatch(/chunks {2}\d+s\r?\n(\r)?indexed 300 chunks from 1 file into "manual"/);

    const piped = await patchbay(['index', 'manual', 'manual.jsonl', '--data', 'pipe-data']);
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toMatch(/\x1b|chunks/);
    expect(piped.stdout).toContain('indexed 300 chunks from 1 file into "manual"');
  });

  it('searches in vector and hybrid mode and prints JSON documents', async () => {
    const { code, stdout } = await patchbay(['search', 'docs', 'gift card expiry', '--mode', 'hybrid', '--top-k', '2', '--json']);
    expect(code).toBe(0);
    const docs = JSON.parse(stdout);
    expect(docs).toHaveLength(2);
    expect(docs[0]).toMatchObject({ id: 'gift', source: 'docs/faq.jsonl', text: expect.stringContaining('Gift cards') });
    const vector = await patchbay(['search', 'docs', 'payment refunds', '--mode', 'vector', '--top-k', '1']);
    expect(vector.stdout).toMatch(/^docs\/refunds\.md {2}0\.\d\d {2}# Refunds Refunds are issued/);
  });

  it('lets `patchbay run` find the index in the same data dir', async () => {
    const { code, stdout, stderr } = await patchbay(['run', 'ask.json', '--input', 'question=refund payment method']);
    expect(stderr).not.toMatch(/unknown index/);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).docs[0]).toMatchObject({ source: 'docs/refunds.md' });
  });

  it('indexes a file named two ways (./docs/x.md and docs/x.md) as one document with one id', async () => {
    const first = await patchbay(['index', 'same', './docs/shipping.txt', '--data', 'same-data']);
    expect(first).toMatchObject({ code: 0, stdout: 'indexed 1 chunk from 1 file into "same" (1 in total; embeddings: offline:hash)\n' });
    const again = await patchbay(['index', 'same', 'docs/shipping.txt', `${realCwd()}/docs/shipping.txt`, 'docs/../docs/shipping.txt', '--data', 'same-data']);
    expect(again).toMatchObject({ code: 0, stdout: 'indexed 1 chunk from 3 files into "same" (1 in total; embeddings: offline:hash)\n' });
    const found = await patchbay(['search', 'same', 'express shipping', '--json', '--data', 'same-data']);
    expect(JSON.parse(found.stdout).map((d: { id: string }) => d.id)).toEqual(['docs/shipping.txt']);
  });

  it('replaces a file emptied since it was indexed: its old text is no longer found', async () => {
    mkdirSync(join(cwd, 'emptied'));
    writeFileSync(join(cwd, 'emptied/notes.md'), 'The old door code is 4417.');
    writeFileSync(join(cwd, 'emptied/blank.txt'), 'Blank soon.');
    expect((await patchbay(['index', 'emptied', 'emptied/notes.md', 'emptied/blank.txt', '--data', 'emptied-data'])).code).toBe(0);
    writeFileSync(join(cwd, 'emptied/notes.md'), '');
    writeFileSync(join(cwd, 'emptied/blank.txt'), '\n  \n');
    const again = await patchbay(['index', 'emptied', 'emptied/notes.md', 'emptied/blank.txt', '--data', 'emptied-data']);
    expect(again).toMatchObject({ code: 0, stdout: 'indexed 0 chunks from 2 files into "emptied" (0 in total; embeddings: offline:hash)\n' });
    const found = await patchbay(['search', 'emptied', 'door code blank', '--json', '--data', 'emptied-data']);
    expect(JSON.parse(found.stdout)).toEqual([]);
  });

  it('finds Chinese and Japanese words in unspaced text, and words split by zero-width characters', async () => {
    mkdirSync(join(cwd, 'intl'));
    writeFileSync(join(cwd, 'intl/zh.md'), '如何重置密码：打开登录页面，点击“忘记密码”。');
    writeFileSync(join(cwd, 'intl/ja.md'), 'パスワードを再設定するには、ログインページを開いてください。');
    writeFileSync(join(cwd, 'intl/pasted.md'), 'Turn the dim\u200Bmer to the left.');
    expect((await patchbay(['index', 'intl', 'intl/zh.md', 'intl/ja.md', 'intl/pasted.md', '--data', 'intl-data'])).code).toBe(0);
    const first = async (query: string) => JSON.parse((await patchbay(['search', 'intl', query, '--json', '--data', 'intl-data'])).stdout).map((d: { id: string }) => d.id);
    expect(await first('密码')).toEqual(['intl/zh.md']);
    expect(await first('パスワード')).toEqual(['intl/ja.md']);
    expect(await first('dimmer')).toEqual(['intl/pasted.md']);
  });

  it('re-reads the keyword indexes of a data dir indexed by an earlier version once, saying so, before searching it', async () => {
    mkdirSync(join(cwd, 'old'));
    writeFileSync(join(cwd, 'old/zh.md'), '如何重置密码：打开登录页面。');
    expect((await patchbay(['index', 'old', 'old/zh.md', 'docs/refunds.md', '--data', 'old-data'])).code).toBe(0);
    // As an earlier version left it: the keyword index holds the text as written.
    const db = new Database(join(cwd, 'old-data', 'retrieval.sqlite'));
    db.exec("INSERT INTO fts_1 (fts_1) VALUES ('rebuild'); PRAGMA user_version = 0");
    db.close();
    const first = await patchbay(['search', 'old', '密码', '--json', '--data', 'old-data']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe(`upgrading the keyword indexes of ${join(realCwd(), 'old-data', 'retrieval.sqlite')}, written by an earlier version (2 chunks; this happens once)\n`);
    expect(JSON.parse(first.stdout).map((d: { id: string }) => d.id)).toEqual(['old/zh.md']);
    const again = await patchbay(['search', 'old', '密码', '--data', 'old-data']);
    expect(again).toMatchObject({ code: 0, stderr: '' });
  });

  it('uses --data over PATCHBAY_DATA over ./.patchbay', async () => {
    expect((await patchbay(['index', 'notes', 'docs/shipping.txt'], { PATCHBAY_DATA: 'env-data' })).code).toBe(0);
    const viaFlag = await patchbay(['search', 'notes', 'express', '--data', 'env-data']);
    expect(viaFlag.stdout).toMatch(/^docs\/shipping\.txt /);
    const viaDefault = await patchbay(['search', 'notes', 'express']);
    expect(viaDefault.code).toBe(2);
    expect(viaDefault.stderr).toBe(
      `patchbay search: unknown index "notes"; indexes: docs; looked for indexes in the data dir ${join(realCwd(), '.patchbay')}; ` +
        'pass --data DIR (or set PATCHBAY_DATA) to use another workspace\n',
    );
  });

  it('search only reads: in a folder without a data dir it creates none and says where it looked', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'patchbay-elsewhere-'));
    try {
      const r = await runIn(elsewhere, ['search', 'docs', 'refund']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^patchbay search: unknown index "docs"; indexes: \(none\); looked for indexes in the data dir .*\.patchbay, which does not exist; pass --data DIR/);
      expect(existsSync(join(elsewhere, '.patchbay'))).toBe(false);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('answers bad input with exit 2 and one line', async () => {
    const [missing, badType, badMode, badTopK, badModel, noArgs] = await Promise.all([
      patchbay(['index', 'docs', 'docs/refunds.md', 'docs/nope.md']),
      patchbay(['index', 'docs', 'ask.csv']),
      patchbay(['search', 'docs', 'refund', '--mode', 'fuzzy']),
      patchbay(['search', 'docs', 'refund', '--top-k', 'many']),
      patchbay(['index', 'docs', 'docs/refunds.md', '--embedding', 'none']),
      patchbay(['search', 'docs']),
    ]);
    expect(missing).toMatchObject({ code: 2, stderr: 'patchbay index: docs/nope.md: no such file\n' });
    expect(badType.stderr).toBe('patchbay index: ask.csv: unsupported file type ".csv"; supported: .md, .markdown, .txt, .json, .jsonl\n');
    expect(badMode).toMatchObject({ code: 2, stderr: 'patchbay search: --mode must be one of keyword, vector, hybrid, got "fuzzy"\n' });
    expect(badTopK).toMatchObject({ code: 2, stderr: 'patchbay search: --top-k must be an integer from 1 to 1000, got "many"\n' });
    expect(badModel.code).toBe(2);
    expect(badModel.stderr).toMatch(/^patchbay index: index "docs" was built with offline:hash; .*\n$/);
    expect(noArgs).toMatchObject({ code: 2 });
    for (const r of [missing, badType, badMode, badTopK, badModel, noArgs]) expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(await patchbay(['index', 'docs', 'docs/refunds.md', '--embedding', ''])).toMatchObject({ code: 2, stderr: 'patchbay index: --embedding must be "<provider>:<model>" or "none", got ""\n' });
    // A bad name is said before any file is read.
    expect(await patchbay(['index', 'bad name', 'docs/nope.md'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^patchbay index: invalid index name "bad name": /) });
    // the failed index call added nothing
    const after = await patchbay(['search', 'docs', 'refunds', '--json']);
    expect(JSON.parse(after.stdout)).toHaveLength(1);
  });

  it('creates no data dir for files it refuses (missing, a folder): one line, exit 2, nothing left behind', async () => {
    for (const file of ['docs/nope.md', 'docs']) {
      const r = await patchbay(['index', 'docs', file, '--data', 'never-made']);
      expect(r.code, file).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), file).toHaveLength(1);
      expect(r.stderr, file).not.toContain('created the data dir');
      expect(existsSync(join(cwd, 'never-made')), file).toBe(false);
    }
  });

  it('checks --chunk-size and --overlap against the chunker\'s own limits, naming the flags', async () => {
    const [small, wide, byDefault] = await Promise.all([
      patchbay(['index', 'docs', 'docs/refunds.md', '--chunk-size', '10']),
      patchbay(['index', 'docs', 'docs/refunds.md', '--chunk-size', '100', '--overlap', '50']),
      patchbay(['index', 'docs', 'docs/refunds.md', '--chunk-size', '150']),
    ]);
    expect(small).toMatchObject({ code: 2, stderr: 'patchbay index: --chunk-size must be an integer of at least 20, got "10"\n' });
    expect(wide).toMatchObject({ code: 2, stderr: 'patchbay index: --overlap must be less than half of --chunk-size (100), got 50\n' });
    // No --overlap given: the refusal names the default it is about and what to give, not "got 100" of a flag never typed.
    expect(byDefault).toMatchObject({ code: 2, stderr: 'patchbay index: --chunk-size 150 leaves no room for the default --overlap (100), which must be less than half of it: give --overlap 74 or less\n' });
  });

  it('words usage errors plainly: "at least" for a list of files, no doubled stop before the help pointer', async () => {
    const [noFiles, dashValue, noValue, lastNoValue] = await Promise.all([
      patchbay(['index', 'docs']),
      patchbay(['index', 'docs', 'docs/refunds.md', '--overlap', '-5']),
      patchbay(['search', 'docs', 'refunds', '--mode', '--json']),
      patchbay(['search', 'docs', 'refunds', '--top-k']),
    ]);
    expect(noFiles).toMatchObject({ code: 2, stderr: 'patchbay index: expected at least 2 arguments, got 1; see patchbay index --help\n' });
    // A flag left without its value, another flag after it: node says only "argument is ambiguous".
    expect(noValue).toMatchObject({ code: 2, stderr: 'patchbay search: --mode needs a value, but the next argument, --json, is an option; see patchbay search --help\n' });
    expect(lastNoValue).toMatchObject({ code: 2, stderr: 'patchbay search: --top-k needs a value; see patchbay search --help\n' });
    // A negative number is the flag's value, refused for what it is (not node's "argument is ambiguous").
    expect(dashValue).toMatchObject({ code: 2, stderr: 'patchbay index: --overlap must be an integer of at least 0, got "-5"\n' });
  });

  it('refuses to index a file holding a key\'s value (as the API does), naming the file and the variable, never the value', async () => {
    const key = 'sk-live-5c1d9e7a3b2f8';
    const env = { NOTES_API_KEY: key };
    writeFileSync(join(cwd, 'leaked.md'), `# Setup\n\nexport NOTES_API_KEY=${key}\n`);
    writeFileSync(join(cwd, 'leaked.jsonl'), `{"id": "ok", "text": "fine"}\n{"id": "cfg", "text": "config", "token": "${key}"}\n`);
    const [inText, inMetadata, asModel] = await Promise.all([
      patchbay(['index', 'keyed', 'docs/refunds.md', 'leaked.md', '--data', 'keyed-data'], env),
      patchbay(['index', 'keyed', 'leaked.jsonl', '--data', 'keyed-data'], env),
      patchbay(['index', 'keyed', 'docs/refunds.md', '--embedding', `offline:${key}`, '--data', 'keyed-data'], env),
    ]);
    expect(inText).toMatchObject({ code: 2, stderr: expect.stringMatching(/(^|\n)patchbay index: leaked\.md: the text of document "leaked\.md" holds the value of NOTES_API_KEY; remove it before indexing\n$/) });
    expect(inMetadata).toMatchObject({ code: 2, stderr: expect.stringMatching(/patchbay index: leaked\.jsonl: metadata\.token of document "cfg" holds the value of NOTES_API_KEY; remove it before indexing\n$/) });
    expect(asModel).toMatchObject({ code: 2, stderr: expect.stringMatching(/patchbay index: --embedding holds the value of NOTES_API_KEY\n$/) });
    for (const r of [inText, inMetadata, asModel]) expect(r.stderr).not.toContain(key.slice(0, 8));
    const stored = join(cwd, 'keyed-data', 'retrieval.sqlite');
    for (const file of [stored, `${stored}-wal`]) if (existsSync(file)) expect(readFileSync(file).includes(key)).toBe(false);
  });

  it('shows control characters and bidi overrides of indexed text as visible escapes, never sends them to the terminal', async () => {
    // An indexed page could otherwise write the clipboard (OSC 52), clear the screen or fake a result line.
    writeFileSync(join(cwd, 'hostile.jsonl'), `${JSON.stringify({ id: 'evil', text: 'refund policy \u001b]52;c;cHduZWQ=\u0007\u001b[2J\u001b[31mFAKE\u001b[0m \u202eevil\u202c' })}\n`);
    expect((await patchbay(['index', 'hostile', 'hostile.jsonl', '--data', 'hostile-data'])).code).toBe(0);
    const { code, stdout } = await patchbay(['search', 'hostile', 'refund', '--data', 'hostile-data']);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(stdout).toContain('refund policy \\x1b]52;c;cHduZWQ=\\x07\\x1b[2J\\x1b[31mFAKE\\x1b[0m \\u202eevil\\u202c');
  });

  it('builds and searches a vector index on a networked provider\'s embeddings (floats asked for)', async () => {
    const stub = await startOpenAIStub();
    try {
      const env = { STUB_BASE_URL: stub.url };
      const indexed = await patchbay(['index', 'remote', 'docs/refunds.md', 'docs/shipping.txt', '--embedding', 'stub:emb-1'], env);
      expect(indexed).toMatchObject({ code: 0, stdout: 'indexed 2 chunks from 2 files into "remote" (2 in total; embeddings: stub:emb-1)\n' });
      const found = await patchbay(['search', 'remote', 'express shipping days', '--mode', 'vector', '--top-k', '1'], env);
      expect(found.code).toBe(0);
      expect(found.stdout).toMatch(/^docs\/shipping\.txt {2}\d\.\d\d {2}Standard shipping/);
      const sent = stub.requests.filter((r) => r.path === '/v1/embeddings').map((r) => [r.body.model, r.body.encoding_format, r.body.input]);
      expect(sent).toEqual([
        ['emb-1', 'float', [expect.stringContaining('Refunds are issued'), expect.stringContaining('Standard shipping')]],
        ['emb-1', 'float', ['express shipping days']],
      ]);
      // the index keeps its model: searching without the provider's URL says why, exit 1
      const unreachable = await patchbay(['search', 'remote', 'refunds', '--mode', 'vector']);
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toMatch(/^patchbay search: .*"stub"/);
      expect(unreachable.stderr.trimEnd().split('\n')).toHaveLength(1);
    } finally {
      await stub.close();
    }
  });
});
