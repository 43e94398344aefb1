import { createReadStream, readSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readCases, type DatasetSource } from './dataset';
import type { CaseRecord, EvalResult } from './result-types';
import { rowKey } from './score-rows';
import { EvalInputError } from './session/input-error';
import { lockForWriting } from './writer-lock';

/** Where finished case records go while a run is under way. */
export interface CaseLog {
  append(record: CaseRecord): Promise<void>;
  read(key: string): Promise<CaseRecord | undefined>;
  /** The record as the JSON text it was stored as, when the log keeps text (saves a parse and a stringify). */
  readRaw?(key: string): string | undefined;
  /** Records already there when the run started (--resume). */
  readonly resumed: CaseRecord[];
  /** When the run being resumed started. */
  readonly startedAt?: string;
  close(): Promise<void>;
}

/** What a partial-results file must match to be resumed: the same pipeline behaviour, suite and dataset. */
export interface RunIdentity {
  behaviorHash: string;
  suiteHash: string;
  datasetHash: string;
  repeat: number;
}

const PROGRESS_FORMAT = 'patchbay.eval-progress/v1';
/** Read-back blocks: 1 MB, starting 64 KB before the record asked for. */
const READ_BLOCK = 1 << 20;
const READ_BEHIND = 64 << 10;

export class ResumeError extends EvalInputError {
  override name = 'ResumeError';
}

/** Records kept in memory (the runner's API, tests). */
export class MemoryCaseLog implements CaseLog {
  readonly resumed: CaseRecord[] = [];
  private readonly records = new Map<string, CaseRecord>();
  async append(record: CaseRecord) { this.records.set(rowKey(record), record); }
  async read(key: string) { return this.records.get(key); }
  async close() {}
}

/**
 * The partial-results file: JSON Lines, a header then one finished case per
 * line, appended as each case ends. A run killed half way loses at most the
 * line being written; `--resume` reads the file back (dropping a torn last
 * line), skips the cases in it and appends the rest. Only byte offsets are
 * kept in memory; a record is read back from disk when the result is written.
 */
export class JsonlCaseLog implements CaseLog {
  readonly resumed: CaseRecord[] = [];
  private readonly index = new Map<string, { offset: number; length: number }>();
  private size = 0;

  private redact: (json: string) => string = (json) => json;

  /** Lets the next writer have the file (writer-lock.ts); set once the file is open. */
  private unlock: () => Promise<void> = async () => {};

  private constructor(readonly path: string, private readonly handle: FileHandle) {}

  /**
   * `redact` masks secrets in each record's JSON before it reaches the file (and so the result file and reports read from it).
   * One log writes a path at a time: another eval writing it is an EvalInputError until that one is closed.
   */
  static async open(path: string, identity: RunIdentity, options: { resume: boolean; startedAt: string; redact?: (json: string) => string }): Promise<JsonlCaseLog> {
    await mkdir(dirname(path), { recursive: true });
    const unlock = await lockForWriting(path);
    const opened = await JsonlCaseLog.openFile(path, identity, options).catch(async (err) => {
      await unlock();
      throw err;
    });
    opened.unlock = unlock;
    if (options.redact) opened.redact = options.redact;
    return opened;
  }

  private static async openFile(path: string, identity: RunIdentity, options: { resume: boolean; startedAt: string }): Promise<JsonlCaseLog> {
    await mkdir(dirname(path), { recursive: true });
    const exists = await stat(path).then(() => true, () => false);
    if (options.resume && exists) {
      const log = new JsonlCaseLog(path, await open(path, 'r+'));
      // A file for another run is refused; its handle must not stay open behind the error.
      const loaded = await log.load(identity).catch(async (err) => { await log.close(); throw err; });
      if (loaded) return log;
      // Killed before its first line was whole: there is nothing to resume.
      await log.close();
    }
    const log = new JsonlCaseLog(path, await open(path, 'w+'));
    await log.write(JSON.stringify({ type: PROGRESS_FORMAT, ...identity, startedAt: options.startedAt }) + '\n');
    return log;
  }

  /** When the resumed run started (from the header); undefined for a fresh file. */
  startedAt?: string;

  /** Reads the file back; false when not even its header line is whole. */
  private async load(identity: RunIdentity): Promise<boolean> {
    let offset = 0;
    let good = 0;
    let first = true;
    const stream = createReadStream(this.path);
    let pending: Buffer = Buffer.alloc(0);
    const lines: Array<{ text: string; offset: number; length: number }> = [];
    reading: for await (const chunk of stream as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let nl: number;
      while ((nl = pending.indexOf(10)) !== -1) {
        const line = pending.subarray(0, nl);
        lines.push({ text: line.toString('utf8'), offset, length: nl });
        offset += nl + 1;
        pending = pending.subarray(nl + 1);
      }
      for (const line of lines.splice(0)) {
        let value: { type?: string } & Record<string, unknown>;
        try {
          value = JSON.parse(line.text);
        } catch {
          stream.destroy();
          break reading; // a torn line: it and anything after it are dropped below
        }
        if (first) {
          first = false;
          this.checkHeader(value, identity);
          good = line.offset + line.length + 1;
          continue;
        }
        const record = value as unknown as CaseRecord;
        this.index.set(rowKey(record), { offset: line.offset, length: line.length });
        this.resumed.push(record);
        good = line.offset + line.length + 1;
      }
    }
    if (first) return false;
    // Drop a torn last line so appends start on a clean line.
    await this.handle.truncate(good);
    this.size = good;
    // Keep one record per case: the last written wins.
    const seen = new Map(this.resumed.map((r) => [rowKey(r), r]));
    this.resumed.splice(0, this.resumed.length, ...seen.values());
    return true;
  }

  private checkHeader(header: Record<string, unknown>, identity: RunIdentity) {
    if (header.type !== PROGRESS_FORMAT) throw new ResumeError(`${this.path}: not a partial eval result`);
    const differs = (['behaviorHash', 'suiteHash', 'datasetHash', 'repeat'] as const).filter((k) => header[k] !== identity[k]);
    if (differs.length) {
      const what = differs.map((k) => ({ behaviorHash: 'pipeline', suiteHash: 'suite', datasetHash: 'dataset', repeat: 'repeat' })[k]);
      throw new ResumeError(`${this.path}: the partial results are for a different ${what.join(', ')}; run without --resume to start over`);
    }
    this.startedAt = typeof header.startedAt === 'string' ? header.startedAt : undefined;
  }

  // Synchronous positioned I/O: a line is a few hundred bytes, so a direct
  // write or read costs microseconds where a thread-pool round trip per case
  // costs far more. Once write() returns the line is in the OS: a killed
  // process does not lose it.
  private async write(text: string, bytes = Buffer.byteLength(text)) {
    // The text goes straight to the file; only a short write (rare) needs it as bytes to resume from.
    let done = writeSync(this.handle.fd, text, this.size, 'utf8');
    if (done < bytes) {
      const buf = Buffer.from(text, 'utf8');
      while (done < bytes) done += writeSync(this.handle.fd, buf, done, bytes - done, this.size + done);
    }
    this.size += bytes;
  }

  async append(record: CaseRecord): Promise<void> {
    const offset = this.size;
    const text = this.redact(JSON.stringify(record));
    const length = Buffer.byteLength(text);
    await this.write(text + '\n', length + 1);
    this.index.set(rowKey(record), { offset, length });
  }

  /** The last block read: lines are never rewritten, so its bytes stay true while the file grows. */
  private window: { offset: number; bytes: Buffer } | undefined;

  // Records are read back in dataset order, which is close to the order they finished in:
  // one read of a block (from a little before the record) serves the records around it,
  // instead of one read call per record.
  readRaw(key: string): string | undefined {
    const at = this.index.get(key);
    if (!at) return undefined;
    let w = this.window;
    if (!w || at.offset < w.offset || at.offset + at.length > w.offset + w.bytes.length) {
      const start = Math.max(0, at.offset - READ_BEHIND);
      const bytes = Buffer.allocUnsafe(Math.max(READ_BLOCK, at.offset - start + at.length));
      let done = 0;
      while (done < bytes.length) {
        const n = readSync(this.handle.fd, bytes, done, bytes.length - done, start + done);
        if (n === 0) break;
        done += n;
      }
      w = this.window = { offset: start, bytes: bytes.subarray(0, done) };
    }
    const from = at.offset - w.offset;
    return w.bytes.toString('utf8', from, Math.min(from + at.length, w.bytes.length));
  }

  async read(key: string): Promise<CaseRecord | undefined> {
    const raw = this.readRaw(key);
    return raw === undefined ? undefined : JSON.parse(raw);
  }

  async close(): Promise<void> {
    await this.handle.close();
    await this.unlock();
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

/** The partial-results file that goes with a result file. */
export function progressPathFor(resultPath: string): string {
  return `${resultPath}.partial.jsonl`;
}

/**
 * Writes the result JSON with its cases in dataset order (case, then repeat),
 * read back one at a time from the log, so a large run is never whole in
 * memory. Written to a temporary file and renamed: a reader never sees half a result.
 */
export async function writeResultFile(
  path: string,
  head: Omit<EvalResult, 'cases'>,
  log: CaseLog,
  dataset: DatasetSource,
  repeat: number,
  redact: (json: string) => string = (json) => json,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const out = await open(tmp, 'w');
  try {
    await writeCases(out.fd, head, log, dataset, repeat, redact);
  } finally {
    await out.close();
  }
  await rename(tmp, path);
}

async function writeCases(fd: number, head: Omit<EvalResult, 'cases'>, log: CaseLog, dataset: DatasetSource, repeat: number, redact: (json: string) => string): Promise<void> {
  // Text is gathered into chunks of about 1 MB, each written at once: a direct write of a
  // chunk costs far less than a thread-pool round trip per chunk on a busy machine.
  let chunk: string[] = [];
  let chunkSize = 0;
  const flush = async () => {
    const buf = Buffer.from(chunk.join(''), 'utf8');
    chunk = [];
    chunkSize = 0;
    let done = 0;
    while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
  };
  // Each piece is whole JSON (the head, one case, the comparison), so a secret never spans two.
  const put = async (text: string) => {
    text = redact(text);
    chunk.push(text);
    chunkSize += text.length;
    if (chunkSize >= 1 << 20) await flush();
  };
  const { comparison, gates, ...first } = head;
  const opening = JSON.stringify(first, null, 2);
  await put(`${opening.slice(0, -2)},\n  "cases": [`);
  let n = 0;
  for await (const { case: c } of readCases(dataset)) {
    for (let r = 1; r <= repeat; r++) {
      const key = `${c.id}#${r}`;
      const raw = log.readRaw ? log.readRaw(key) : await log.read(key).then((record) => record && JSON.stringify(record));
      if (raw !== undefined) await put(`${n++ ? ',' : ''}\n    ${raw}`);
    }
  }
  await put(`\n  ]`);
  if (comparison) await put(`,\n  "comparison": ${JSON.stringify(comparison, null, 2).replace(/\n/g, '\n  ')}`);
  if (gates) await put(`,\n  "gates": ${JSON.stringify(gates, null, 2).replace(/\n/g, '\n  ')}`);
  await put('\n}\n');
  await flush();
}

/** All of a result in memory (the runner's API): records in dataset order. */
export async function collectResult(head: Omit<EvalResult, 'cases'>, log: CaseLog, dataset: DatasetSource, repeat: number): Promise<EvalResult> {
  const cases: CaseRecord[] = [];
  for await (const record of loggedCases(log, dataset, repeat)) cases.push(record);
  const { comparison, gates, ...first } = head;
  return { ...first, cases, ...(comparison ? { comparison } : {}), ...(gates ? { gates } : {}) };
}

/** The logged records in dataset order (case, then repeat), one at a time. */
export async function* loggedCases(log: CaseLog, dataset: DatasetSource, repeat: number): AsyncGenerator<CaseRecord> {
  for await (const { case: c } of readCases(dataset)) {
    for (let r = 1; r <= repeat; r++) {
      const record = await log.read(`${c.id}#${r}`);
      if (record) yield record;
    }
  }
}
