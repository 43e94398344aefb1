import type { ScorerSpec, ScorerType } from '../../lib/evals-api';

/** A scorer as typed into the form; empty strings mean "not given". */
export interface ScorerDraft {
  type: string;
  name: string;
  target: string;
  expectedKey: string;
  threshold: string;
  /** One text per param of the type, as typed. */
  params: Record<string, string>;
}

export type ParamSchema = NonNullable<ScorerType['paramsSchema']['properties']>[string] & {
  type?: string | string[];
  anyOf?: unknown[];
  default?: unknown;
};

/** How a param is typed in: a choice, a yes/no, a number, one line of text, or JSON. */
export type ParamKind = 'enum' | 'boolean' | 'number' | 'text' | 'code' | 'json' | 'value';

export function paramKind(name: string, schema: ParamSchema): ParamKind {
  if (schema.enum) return 'enum';
  if (schema.type === 'boolean') return 'boolean';
  if (schema.type === 'number' || schema.type === 'integer') return 'number';
  if (schema.type === 'string') return name === 'code' || name === 'rubric' || name === 'system' ? 'code' : 'text';
  if (schema.type === 'object' || schema.type === 'array') return 'json';
  // `value`: a string, a list, a number — whatever the expected value would be.
  return 'value';
}

export const emptyDraft = (type: string): ScorerDraft => ({ type, name: '', target: '', expectedKey: '', threshold: '', params: {} });

/** A param's text as the API wants it; undefined when left empty. Throws with a sentence when it cannot be read. */
function paramValue(kind: ParamKind, text: string, label: string): unknown {
  const t = text.trim();
  if (t === '') return undefined;
  switch (kind) {
    case 'boolean':
      return t === 'true';
    case 'number': {
      const n = Number(t);
      if (!Number.isFinite(n)) throw new Error(`${label} must be a number.`);
      return n;
    }
    case 'json':
      try {
        return JSON.parse(t);
      } catch {
        throw new Error(`${label} must be JSON.`);
      }
    case 'value':
      // A list or an object is written as JSON; anything else is the text itself.
      if (/^[[{]/.test(t)) {
        try {
          return JSON.parse(t);
        } catch {
          throw new Error(`${label} starts like JSON but is not JSON.`);
        }
      }
      return text;
    default:
      return text;
  }
}

/** The scorer spec of a draft, checked against its type's params. */
export function draftToSpec(draft: ScorerDraft, type: ScorerType | undefined, index: number): ScorerSpec {
  const spec: ScorerSpec = { type: draft.type };
  const label = (what: string) => `Scorer ${index + 1}: ${what}`;
  if (draft.name.trim()) spec.name = draft.name.trim();
  if (draft.target.trim()) spec.target = draft.target.trim();
  if (draft.expectedKey.trim()) spec.expectedKey = draft.expectedKey.trim();
  if (draft.threshold.trim()) {
    const t = Number(draft.threshold);
    if (!(t >= 0 && t <= 1)) throw new Error(label('the threshold must be a number from 0 to 1.'));
    spec.threshold = t;
  }
  const props = (type?.paramsSchema.properties ?? {}) as Record<string, ParamSchema>;
  const params: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(draft.params)) {
    const schema = props[key];
    if (!schema) continue;
    const value = paramValue(paramKind(key, schema), text, label(key));
    if (value !== undefined) params[key] = value;
  }
  if (Object.keys(params).length) spec.params = params;
  return spec;
}

/** A saved scorer back into the form. */
export function specToDraft(spec: ScorerSpec): ScorerDraft {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.params ?? {})) params[key] = typeof value === 'string' ? value : JSON.stringify(value);
  return {
    type: spec.type,
    name: spec.name ?? '',
    target: spec.target ?? '',
    expectedKey: spec.expectedKey ?? '',
    threshold: spec.threshold === undefined ? '' : String(spec.threshold),
    params,
  };
}

/**
 * The keys of the cases' expected objects (`{answer, doc}` → answer, doc), so a
 * scorer can read one of them; none when expected values are plain.
 */
export function expectedKeysOf(cases: Array<{ expected?: unknown }>): string[] {
  const keys = new Set<string>();
  for (const c of cases) {
    if (c.expected && typeof c.expected === 'object' && !Array.isArray(c.expected)) for (const k of Object.keys(c.expected)) keys.add(k);
  }
  return [...keys];
}

/** The expected key a scorer most likely means: the one named like its target, else the first. */
export function likelyExpectedKey(draft: ScorerDraft, keys: string[], onlyOutput: string | undefined): string {
  const target = draft.target.trim() || onlyOutput || '';
  const last = target.replace(/^node:/, '').split(/[./]/).pop() ?? '';
  // A retrieval scorer reads which document was expected, not the answer.
  const docKey = draft.type === 'retrieval-hit' ? keys.find((k) => /^(doc|docs|document|source|id)$/i.test(k)) : undefined;
  return keys.find((k) => k === target) ?? keys.find((k) => k === last) ?? docKey ?? keys[0] ?? '';
}
