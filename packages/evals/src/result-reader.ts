import { readFile } from 'node:fs/promises';
import { plainIssueWords } from '@patchbay/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { EvalResult } from './result-types';
import { rowKey } from './score-rows';
import { EvalInputError } from './session/input-error';
import { fileReadReason } from './file-read-reason';

/** A file that is not an eval result (a baseline, `patchbay compare`). */
export class ResultFileError extends EvalInputError {
  override name = 'ResultFileError';
}

const GIVE = 'give the .json file patchbay eval --out wrote';

// The other files a user keeps beside results, named when one is given as a result (`--baseline suite.json`).
const OTHER_FORMATS: Record<string, string> = {
  'patchbay.eval/v1': 'a suite',
  'patchbay.pipeline/v1': 'a pipeline',
};

// Only what comparing needs is checked; the rest is kept as it is.
const ResultShape = z.looseObject({
  suite: z.string(),
  pipeline: z.looseObject({ name: z.string(), behaviorHash: z.string() }),
  dataset: z.looseObject({ hash: z.string(), cases: z.number() }),
  cases: z.array(z.looseObject({
    id: z.string(),
    repeat: z.number().int().min(1).default(1),
    status: z.enum(['passed', 'failed', 'error']),
    // Every score is in 0..1 (DESIGN.md): a 7 from a hand-edited file would skew every mean and delta.
    scores: z.record(z.string(), z.looseObject({ score: z.number().min(0).max(1), pass: z.boolean() })),
    latencyMs: z.number().default(0),
  })).superRefine((cases, ctx) => {
    // Comparing pairs each (case, repeat) once: a record twice (two results pasted together) would count twice.
    const seen = new Set<string>();
    cases.forEach((c, i) => {
      const key = rowKey(c);
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [i], message: `case "${c.id}" (repeat ${c.repeat}) is recorded twice` });
      seen.add(key);
    });
  }),
});

/** The `format` of text that parses as a YAML mapping, else undefined. */
function formatOfYaml(text: string): unknown {
  try {
    const value: unknown = parseYaml(text);
    return value !== null && typeof value === 'object' ? (value as { format?: unknown }).format : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a result file written by `patchbay eval --out`. */
export async function readResult(path: string): Promise<EvalResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ResultFileError(`${path}: ${fileReadReason(err, `an eval result file (${GIVE})`)}`);
  }
  let value: unknown;
  try {
    // A byte order mark (a result saved again by an editor on Windows) is no part of the JSON.
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    // A suite is often YAML: named as the suite it is, not in the JSON parser's words.
    if (typeof formatOfYaml(text) !== 'string') throw new ResultFileError(`${path}: not JSON (${(err as Error).message.replace(/\s+/g, ' ')}): ${GIVE}`);
    value = { format: formatOfYaml(text) };
  }
  const format = (value as { format?: unknown } | null)?.format;
  if (typeof format === 'string' && format !== 'patchbay.eval-result/v1') {
    const what = OTHER_FORMATS[format];
    throw new ResultFileError(`${path}: a ${JSON.stringify(format).slice(1, -1)} file${what ? ` (${what})` : ''}, not an eval result: ${GIVE}`);
  }
  const parsed = ResultShape.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.join('.') || 'the file';
    // zod's own wording in plain words after the field ("suite is required"); a message of ours after a colon.
    const words = plainIssueWords(issue);
    throw new ResultFileError(`${path}: not an eval result (${words ? `${where} ${words}` : `${where}: ${issue.message}`})`);
  }
  return parsed.data as unknown as EvalResult;
}
