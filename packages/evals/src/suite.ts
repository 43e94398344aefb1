import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { canonicalJson, checkJsonLimits, jsonPath, plainIssueWords, PROTO_KEY_MESSAGE, quotedKey } from '@patchbay/core';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { DatasetSource } from './dataset';
import { getScorerType, scorerTypes } from './scorers/index';
import { itemLinesOf } from './source-lines';
import { EvalInputError } from './session/input-error';
import { fileReadReason } from './file-read-reason';

export const SUITE_FORMAT = 'patchbay.eval/v1';

// `node:ID.port`, or `node:PARENT/CHILD.port` for a node inside a `pipeline` node's child (any depth).
const TARGET = /^(?:node:[A-Za-z][A-Za-z0-9_-]*(?:\/[A-Za-z][A-Za-z0-9_-]*)*\.[A-Za-z_][A-Za-z0-9_-]*|(?!node:).+)$/;

export const ScorerSpecSchema = z.strictObject({
  /** How the scorer appears in results; defaults to its type. */
  name: z.string().min(1).optional(),
  type: z.string().min(1),
  /** A pipeline output by name, or `node:<id>.<port>`; default: the pipeline's only output. */
  target: z.string().regex(TARGET, 'a target is an output name, "node:<id>.<port>" or "node:<parent>/<child>.<port>"').optional(),
  params: z.record(z.string(), z.unknown()).default({}),
  /** With an object `expected`, compare with `expected[KEY]`: one case can hold what several scorers expect. */
  expectedKey: z.string().min(1).optional(),
  /** Pass mark on the 0..1 score; default per scorer type. */
  threshold: z.number().min(0).max(1).optional(),
});

export const GateSchema = z.strictObject({
  /** `regression`: fail when any case that passed in the baseline fails now. */
  failOn: z.enum(['regression']).optional(),
  /** Fail when the share of passing case runs is below this. */
  minPassRate: z.number().min(0).max(1).optional(),
  /** Fail when a scorer's mean dropped by more than DELTA with p < 0.05. */
  maxDrop: z.record(z.string(), z.number().min(0)).optional(),
});

export const SuiteSchema = z.strictObject({
  format: z.literal(SUITE_FORMAT, { error: `format must be "${SUITE_FORMAT}"` }),
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  /** A dataset file relative to the suite, or the cases inline. */
  dataset: z.union([z.string().min(1), z.array(z.unknown())]),
  scorers: z.array(ScorerSpecSchema).min(1, 'a suite needs at least one scorer'),
  repeat: z.number().int().min(1).max(100).default(1),
  concurrency: z.number().int().min(1).max(256).default(8),
  /** Seed of the bootstrap and permutation draws; the same seed gives the same intervals. */
  seed: z.union([z.string(), z.number()]).transform(String).default('patchbay'),
  gate: GateSchema.optional(),
});

export type ScorerSpec = Omit<z.infer<typeof ScorerSpecSchema>, 'name'> & { name: string };
export type Gate = z.infer<typeof GateSchema>;

export interface EvalSuite {
  name: string;
  description?: string;
  dataset: DatasetSource;
  scorers: ScorerSpec[];
  repeat: number;
  concurrency: number;
  seed: string;
  gate?: Gate;
  /** SHA-256 of the canonical suite (dataset reference and scorers): a resumed run must match it. */
  hash: string;
  /** The suite file, when it came from one. */
  path?: string;
}

/** A suite that cannot be used; the message is one line: `FILE: PATH: reason`. */
export class SuiteError extends EvalInputError {
  override name = 'SuiteError';
  /** Where in the suite the problem is (`scorers[0].type`), for an HTTP error's JSON path; empty for the whole suite. */
  readonly path: string;
  /** What is wrong, without the label and path (an HTTP error names the path its own way). */
  readonly reason: string;
  constructor(label: string, path: string, reason: string) {
    super(`${label}: ${path ? `${path}: ` : ''}${reason}`);
    this.path = path;
    this.reason = reason;
  }
}

/** Reads a suite file (JSON or YAML). A dataset path is relative to the suite file. */
export async function loadSuite(path: string): Promise<EvalSuite> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SuiteError(path, '', fileReadReason(err, "a suite file (give the suite's .json or .yaml file)"));
  }
  // YAML reads an empty file as null, which the checks would call "must be an object (it is null)".
  if (text.replace(/^\uFEFF/, '').trim() === '') throw new SuiteError(path, '', 'the file is empty; a suite names its dataset and scorers (format: patchbay.eval/v1)');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (looksLikeDataset(path, text, doc.errors.length > 0)) {
    throw new SuiteError(path, '', `a dataset (one case per line), not a suite file (give the suite's .json or .yaml file, whose "dataset" names this one)`);
  }
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line;
    throw new SuiteError(`${path}${line ? `:${line}` : ''}`, '', `not ${extname(path) === '.json' ? 'JSON' : 'YAML'} (${e.message.split('\n')[0]})`);
  }
  let value;
  try {
    value = doc.toJS();
  } catch (err) {
    // The reader refuses an alias bomb here, after parsing: a bad suite like any other, not a crash.
    throw new SuiteError(path, '', `not ${extname(path) === '.json' ? 'JSON' : 'YAML'} (${(err as Error).message.split('\n')[0]})`);
  }
  // Refused as the API refuses it: copied by zod (gate.maxDrop, params), the key would set a prototype and vanish unseen.
  const protoKey = checkJsonLimits(value, { refuseProtoKey: true });
  if (protoKey?.kind === 'proto-key') throw new SuiteError(path, protoKey.path.replace(/^\$\.?/, ''), PROTO_KEY_MESSAGE);
  return parseSuite(value, {
    label: path,
    baseDir: dirname(resolve(path)),
    defaultName: basename(path).replace(/\.(eval\.)?(json|ya?ml)$/i, ''),
    datasetLines: Array.isArray(value?.dataset) ? itemLinesOf(doc, ['dataset'], lineCounter) : undefined,
    path: resolve(path),
  });
}

/**
 * A dataset given where the suite goes (`--suite cases.jsonl`, an easy slip: both sit side by side):
 * named by its extension, or, when the text is not a suite, by every line being a JSON object.
 */
function looksLikeDataset(path: string, text: string, notASuite: boolean): boolean {
  if (['.jsonl', '.ndjson', '.csv'].includes(extname(path).toLowerCase())) return true;
  if (!notASuite) return false;
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.length > 1 && lines.every((line) => {
    try {
      const value = JSON.parse(line);
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    } catch {
      return false;
    }
  });
}

/** Checks a suite value (from a file or an HTTP body). Every scorer's params are checked against its type here, before any case runs. */
export function parseSuite(
  value: unknown,
  options: { label: string; baseDir: string; defaultName?: string; datasetLines?: number[]; path?: string },
): EvalSuite {
  const parsed = SuiteSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = pathSuffix(issue.path).replace(/^\./, '');
    throw new SuiteError(options.label, where, issueMessage(issue));
  }
  const s = parsed.data;
  const names = new Set<string>();
  const scorers: ScorerSpec[] = s.scorers.map((spec, i) => {
    const at = `scorers[${i}]`;
    const def = getScorerType(spec.type);
    if (!def) throw new SuiteError(options.label, `${at}.type`, `unknown scorer type "${spec.type}" (known: ${Object.keys(scorerTypes).join(', ')})`);
    const name = spec.name ?? spec.type;
    // A scorer's name keys each case's scores and the summary: "__proto__" would set their prototype instead.
    if (name === '__proto__') {
      throw new SuiteError(options.label, `${at}.name`, `a scorer cannot be named "__proto__" (its name is a key of each case's scores and of the summary); give it another name`);
    }
    if (names.has(name)) throw new SuiteError(options.label, `${at}.name`, `two scorers are named "${name}"; give each a distinct name`);
    names.add(name);
    const params = def.params.safeParse(spec.params);
    if (!params.success) {
      const issue = params.error.issues[0];
      throw new SuiteError(options.label, `${at}.params${pathSuffix(issue.path)}`, issueMessage(issue));
    }
    const problem = def.check?.(params.data);
    // A check names the param first: "pattern: Invalid regular expression…".
    if (problem) {
      const [param, ...why] = problem.split(': ');
      throw new SuiteError(options.label, `${at}.params.${param}`, why.join(': '));
    }
    return { ...spec, name, params: params.data as Record<string, unknown> };
  });
  for (const scorer of Object.keys(s.gate?.maxDrop ?? {})) {
    if (!names.has(scorer)) throw new SuiteError(options.label, `gate.maxDrop.${scorer}`, `no scorer is named "${scorer}"`);
  }
  const dataset: DatasetSource = typeof s.dataset === 'string'
    ? { path: resolve(options.baseDir, s.dataset) }
    : { inline: s.dataset, label: `${options.label} (inline dataset)`, lines: options.datasetLines };
  const hash = createHash('sha256')
    .update(canonicalJson({ dataset: s.dataset, scorers, repeat: s.repeat }))
    .digest('hex');
  return {
    name: s.name ?? options.defaultName ?? 'suite',
    ...(s.description ? { description: s.description } : {}),
    dataset,
    scorers,
    repeat: s.repeat,
    concurrency: s.concurrency,
    seed: s.seed,
    ...(s.gate ? { gate: s.gate } : {}),
    hash,
    ...(options.path ? { path: options.path } : {}),
  };
}

/** `.scorers[0].params` style, for error messages. */
function pathSuffix(path: PropertyKey[]): string {
  return jsonPath(path, '');
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field ${quotedKey(issue.keys[0])}`;
  // zod's own wording in plain words ("must be a list (it is text)"); a message of ours as written.
  return plainIssueWords(issue) ?? issue.message;
}
