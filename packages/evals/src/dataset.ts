import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { open, readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { canonicalJson, checkJsonLimits, NUMBER_ID_TOO_LARGE, numberIdReadsExactly, plainIssueWords, PROTO_KEY_MESSAGE, quotedKey } from '@patchbay/core';
import { parse as parseCsv } from 'csv-parse';
import { z } from 'zod';
import { sequenceItemLines } from './source-lines';
import { firstNonUtf8Line, utf8Chunks } from './utf8-text';
import { EvalInputError } from './session/input-error';
import { fileReadReason } from './file-read-reason';
import { caseTurns } from './case-turns';

/** One dataset case (DESIGN.md "Evals"). */
export interface EvalCase {
  id: string;
  /** The pipeline inputs by name; a non-object value goes to the pipeline's only input. */
  input: unknown;
  expected?: unknown;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

/** A dataset file, or cases written inline in a suite (with their line numbers when known). */
export type DatasetSource =
  | { path: string }
  | { inline: unknown[]; label: string; lines?: number[] };

export interface DatasetInfo {
  /** SHA-256 of the canonical JSON of every case in order: the same cases give the same hash in any format. */
  hash: string;
  cases: number;
  /** The file path, or the suite that holds inline cases. */
  source: string;
  format: 'jsonl' | 'csv' | 'json' | 'inline';
}

/** A dataset that cannot be read; the message is one line naming the file, the line and the reason. */
export class DatasetError extends EvalInputError {
  override name = 'DatasetError';
  constructor(
    message: string,
    /** The 0-based position of the case at fault (an HTTP error points at `$.cases[i]`); a duplicate names the second. */
    readonly caseIndex?: number,
  ) {
    super(message);
  }
}

/** A line break or other control character in an id would break progress lines and the JUnit and Markdown reports. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

const CaseSchema = z.strictObject({
  id: z.union([z.string().min(1), z.number()], { error: (issue) => (issue.code === 'invalid_union' ? 'must be text or a number' : undefined) })
    .refine((id) => typeof id !== 'string' || !CONTROL_CHARACTER.test(id), 'a case id is one line without control characters')
    .optional(),
  input: z.unknown().refine((v) => v !== undefined, 'required'),
  expected: z.unknown().optional(),
  tags: z.array(z.string()).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

interface RawItem {
  value: unknown;
  /** 1-based line in the file, when the format has lines. */
  line?: number;
  /** 0-based position among the cases. */
  index: number;
}

export interface LocatedCase {
  case: EvalCase;
  index: number;
  line?: number;
}

/** Streams the cases of a dataset, each checked; a bad case throws a DatasetError naming its line. */
export async function* readCases(source: DatasetSource): AsyncGenerator<LocatedCase> {
  const label = sourceLabel(source);
  for await (const item of readRawItems(source)) {
    yield { case: normaliseCase(item, label), index: item.index, line: item.line };
  }
}

/**
 * Reads the whole dataset once: checks every case (and `check`, e.g. that its
 * input fits the pipeline), refuses duplicate ids (naming both lines), counts
 * the cases and computes the content hash. Memory holds the ids only, never the cases.
 */
export async function inspectDataset(source: DatasetSource, options: { check?: (c: EvalCase) => string | null } = {}): Promise<DatasetInfo> {
  const label = sourceLabel(source);
  const hash = createHash('sha256');
  const seen = new Map<string, RawItem>();
  let count = 0;
  for await (const item of readRawItems(source)) {
    const c = normaliseCase(item, label);
    const first = seen.get(c.id);
    if (first) throw new DatasetError(`${label}: duplicate case id "${c.id}" ${await where(source, first, item)}`, item.index);
    const problem = options.check?.(c);
    if (problem) throw new DatasetError(`${item.line ? `${label}:${item.line}` : `${label}: case ${item.index + 1}`}: case "${c.id}": ${problem}`, item.index);
    seen.set(c.id, { value: undefined, line: item.line, index: item.index });
    hash.update(canonicalJson(c) + '\n');
    count++;
  }
  return { hash: hash.digest('hex'), cases: count, source: label, format: await formatOf(source) };
}

function sourceLabel(source: DatasetSource): string {
  return 'path' in source ? source.path : source.label;
}

async function where(source: DatasetSource, a: RawItem, b: RawItem): Promise<string> {
  let lines: [number | undefined, number | undefined] = [a.line, b.line];
  if (lines[0] === undefined && 'path' in source) {
    // A JSON array has no line per case on the fast path; find them now.
    const itemLines = sequenceItemLines(await readFile(source.path, 'utf8'));
    lines = [itemLines[a.index], itemLines[b.index]];
  }
  if (lines[0] && lines[1]) return `on lines ${lines[0]} and ${lines[1]}`;
  return `in cases ${a.index + 1} and ${b.index + 1}`;
}

function normaliseCase(item: RawItem, label: string): EvalCase {
  const at = item.line ? `${label}:${item.line}` : `${label}: case ${item.index + 1}`;
  if (item.value === null || typeof item.value !== 'object' || Array.isArray(item.value)) {
    throw new DatasetError(`${at}: a case must be an object like {"id": "c1", "input": {...}, "expected": ...}`, item.index);
  }
  // Hashing and storing walk the case recursively: a case nested thousands deep must stop here, with a reason.
  const tooDeep = checkJsonLimits(item.value, { refuseProtoKey: true });
  if (tooDeep?.kind === 'depth') throw new DatasetError(`${at}: ${tooDeep.shownPath} nests deeper than the limit of ${tooDeep.maxDepth} levels`, item.index);
  if (tooDeep?.kind === 'proto-key') throw new DatasetError(`${at}: ${tooDeep.path}: ${PROTO_KEY_MESSAGE}`, item.index);
  const { id } = item.value as { id?: unknown };
  if (typeof id === 'number' && !numberIdReadsExactly(id)) throw new DatasetError(`${at}: id ${NUMBER_ID_TOO_LARGE}; write it as text, in quotes`, item.index);
  // Most cases are plainly well formed: take them as they are, and leave zod the rest (and its messages).
  if (isPlainCase(item.value as Record<string, unknown>)) return caseOf(item.value as CaseFields, item.index);
  const parsed = CaseSchema.safeParse(item.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.length ? issue.path.join('.') : '';
    if (issue.code === 'unrecognized_keys') throw new DatasetError(`${at}: unknown field ${quotedKey(issue.keys[0])} (a case has id, input, expected, tags, metadata)`, item.index);
    // zod's own wording in plain words after the field ("tags must be a list (it is text)"); a message of ours after a colon.
    const words = plainIssueWords(issue) ?? (issue.message.startsWith('must ') ? issue.message : undefined);
    throw new DatasetError(words ? `${at}: ${path || 'the case'} ${words}` : `${at}: ${path ? path + ': ' : ''}${issue.message}`, item.index);
  }
  return caseOf(parsed.data, item.index);
}

type CaseFields = z.infer<typeof CaseSchema>;
const CASE_FIELDS = new Set(['id', 'input', 'expected', 'tags', 'metadata']);

/** What CaseSchema accepts, checked directly: a zod parse per case costs more than reading the line. */
function isPlainCase(value: Record<string, unknown>): boolean {
  for (const key in value) if (!CASE_FIELDS.has(key)) return false;
  const { id, input, tags, metadata } = value;
  return (
    input !== undefined &&
    (id === undefined || (typeof id === 'string' && id.length > 0 && !CONTROL_CHARACTER.test(id)) || (typeof id === 'number' && numberIdReadsExactly(id))) &&
    (tags === undefined || (Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) &&
    (metadata === undefined || (metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata)))
  );
}

function caseOf({ id, input, expected, tags, metadata }: CaseFields, index: number): EvalCase {
  // Without an id a case is named by its position, which stays stable while a dataset only grows.
  const c: EvalCase = { id: id === undefined ? `case-${index + 1}` : String(id), input };
  if (expected !== undefined) c.expected = expected;
  if (tags) c.tags = tags;
  if (metadata) c.metadata = metadata as Record<string, unknown>;
  return c;
}

async function formatOf(source: DatasetSource): Promise<DatasetInfo['format']> {
  if (!('path' in source)) return 'inline';
  const ext = extname(source.path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return (await firstChar(source.path)) === '[' ? 'json' : 'jsonl';
}

async function firstChar(path: string): Promise<string> {
  const notA = 'a dataset file (give its .jsonl, .json or .csv file)';
  const handle = await open(path, 'r').catch((err: unknown) => {
    throw new DatasetError(`${path}: ${fileReadReason(err, notA)}`);
  });
  try {
    const buf = Buffer.alloc(4096);
    // A directory opens (on Linux) and only its read fails: say what it is, not Node's "EISDIR: illegal operation".
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0).catch((err: unknown) => {
      throw new DatasetError(`${path}: ${fileReadReason(err, notA)}`);
    });
    return buf.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').trimStart().charAt(0);
  } finally {
    await handle.close();
  }
}

async function* readRawItems(source: DatasetSource): AsyncGenerator<RawItem> {
  if (!('path' in source)) {
    yield* heldItems(source.inline, source.lines);
    return;
  }
  await firstChar(source.path); // a missing file is a DatasetError, not a stream error
  const format = await formatOf(source);
  if (format === 'csv') yield* readCsv(source.path);
  else if (format === 'json') yield* readJsonArray(source.path);
  else yield* readJsonl(source.path);
}

async function* readJsonl(path: string): AsyncGenerator<RawItem> {
  // Lines split by hand from whole chunks: readline's async iterator costs more per line than the JSON.parse.
  let lineNo = 0;
  let index = 0;
  let rest = '';
  const parseLine = (raw: string): RawItem | undefined => {
    lineNo++;
    const text = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (!text.trim()) return undefined;
    try {
      return { value: JSON.parse(text), line: lineNo, index: index++ };
    } catch (err) {
      throw new DatasetError(`${path}:${lineNo}: not JSON (${(err as Error).message})`);
    }
  };
  for await (const chunk of utf8Chunks(path, (line) => notUtf8(path, line))) {
    let text = rest + chunk;
    // A \r at the end of a chunk may be half of a \r\n: keep it for the next chunk.
    const held = text.endsWith('\r') ? '\r' : '';
    if (held) text = text.slice(0, -1);
    const lines = text.split(LINE_BREAK);
    rest = lines.pop()! + held;
    for (const line of lines) {
      const item = parseLine(line);
      if (item) yield item;
    }
  }
  for (const line of rest.split(LINE_BREAK)) {
    const item = parseLine(line);
    if (item) yield item;
  }
}

/** What readline takes for the end of a line. */
const LINE_BREAK = /\r\n|\n|\r/;

async function* readJsonArray(path: string): AsyncGenerator<RawItem> {
  const bytes = await readFile(path);
  const badLine = firstNonUtf8Line(bytes);
  if (badLine !== null) throw notUtf8(path, badLine);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new DatasetError(`${path}: not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(value)) throw new DatasetError(`${path}: a JSON dataset must be an array of cases`);
  yield* heldItems(value);
}

/** Cases already in memory, with a turn of the event loop between slices of them (see caseTurns). */
async function* heldItems(values: unknown[], lines?: number[]): AsyncGenerator<RawItem> {
  const turns = caseTurns();
  for (let i = 0; i < values.length; i++) {
    const turn = turns.due();
    if (turn) await turn;
    yield { value: values[i], index: i, line: lines?.[i] || undefined };
  }
}

/**
 * CSV: a header row names the columns. `id`, `expected`, `tags` (separated by
 * `;`) and `metadata.NAME` are what they say; `input.NAME` or any other column
 * is an input; a lone `input` column is the whole input. Cells stay strings.
 */
async function* readCsv(path: string): AsyncGenerator<RawItem> {
  const parser = parseCsv({ bom: true, columns: (header: string[]) => checkCsvHeader(path, header), skip_empty_lines: true, info: true, relax_column_count: false });
  // pipe() does not pass a source's error on: the parser is destroyed with it, so the loop below throws it.
  const text = Readable.from(utf8Chunks(path, (line) => notUtf8(path, line)));
  text.on('error', (err) => parser.destroy(err));
  text.pipe(parser);
  let index = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      yield { value: csvCase(record), line: info.lines, index: index++ };
    }
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    throw new DatasetError(`${path}: ${(err as Error).message.replace(/\s+/g, ' ')}`);
  }
}

/** What a CSV column fills in a case: `input.question` and `question` both fill the input "question". */
function csvField(column: string): string {
  if (column === 'id' || column === 'expected' || column === 'tags' || column === 'input' || column.startsWith('metadata.')) return column;
  return `input.${column.startsWith('input.') ? column.slice(6) : column}`;
}

/** A header whose columns would overwrite each other (a record keeps one value per name) is refused, not read with a column lost. */
function checkCsvHeader(path: string, header: string[]): string[] {
  const at = `${path}:1`;
  const seen = new Map<string, number>();
  header.forEach((column, i) => {
    if (column.trim() === '') throw new DatasetError(`${at}: column ${i + 1} has no name`);
    // `__proto__` would set the record's prototype (the column lost without a word), as it would in JSON.
    if (column === '__proto__' || column.endsWith('.__proto__')) throw new DatasetError(`${at}: column ${i + 1} "${column}": ${PROTO_KEY_MESSAGE}`);
    const field = csvField(column);
    const first = seen.get(field);
    if (first !== undefined) {
      const name = field.startsWith('input.') ? field.slice(6) : field;
      throw new DatasetError(`${at}: column "${name}" is there twice (columns ${first + 1} and ${i + 1}); one of them would be dropped`);
    }
    seen.set(field, i);
  });
  if (seen.has('input')) {
    const other = header.find((column) => csvField(column).startsWith('input.'));
    if (other !== undefined) throw new DatasetError(`${at}: column "${other}" is an input beside the "input" column, which is the whole input; name it input.NAME or drop "input"`);
  }
  return header;
}

function csvCase(record: Record<string, string>): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  const input: Record<string, unknown> = {};
  const metadata: Record<string, unknown> = {};
  for (const [column, cell] of Object.entries(record)) {
    if (column === 'id') { if (cell !== '') c.id = cell; }
    else if (column === 'expected') { if (cell !== '') c.expected = cell; }
    else if (column === 'tags') c.tags = cell.split(';').map((t) => t.trim()).filter(Boolean);
    else if (column === 'input') c.input = cell;
    else if (column.startsWith('metadata.')) metadata[column.slice(9)] = cell;
    else input[column.startsWith('input.') ? column.slice(6) : column] = cell;
  }
  if (c.input === undefined) c.input = input;
  if (Object.keys(metadata).length) c.metadata = metadata;
  return c;
}

function notUtf8(path: string, line: number): DatasetError {
  return new DatasetError(`${path}:${line}: not UTF-8 text (save the file as UTF-8)`);
}

/** A short name for reports: the file name, or the suite label for inline cases. */
export function datasetName(source: DatasetSource): string {
  return 'path' in source ? basename(source.path) : source.label;
}
