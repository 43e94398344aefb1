import { canonicalJson, linearAjvRegExp } from '@patchbay/core';
import Ajv, { type ValidateFunction } from 'ajv';
import { z } from 'zod';
import { defineScorer } from './types';
import { asJson } from './values';

// Formats are not checked (ajv-formats is not a dependency): a schema that uses them still compiles.
// A schema's `pattern`s test outputs users can shape: they run in linear time where RE2 can run them.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, logger: false, code: { regExp: linearAjvRegExp } });
const compiled = new Map<string, ValidateFunction | string>();

/** Compiles once per distinct schema; a schema that does not compile is returned as its error. */
function validatorFor(schema: unknown): ValidateFunction | string {
  const key = schema === undefined ? '' : canonicalJson(schema);
  let v = compiled.get(key);
  if (!v) {
    try {
      v = ajv.compile(schema as object);
    } catch (err) {
      v = `invalid JSON Schema: ${(err as Error).message}`;
    }
    compiled.set(key, v);
  }
  return v;
}

export const jsonSchemaScorer = defineScorer({
  type: 'json-schema',
  description: 'The target is JSON that fits a JSON Schema (params.schema, else the expected value)',
  needsExpected: (params) => params.schema === undefined,
  expectedParam: { param: 'schema', what: 'the schema' },
  params: z.strictObject({ schema: z.record(z.string(), z.unknown()).optional() }),
  check(params) {
    if (!params.schema) return null;
    const v = validatorFor(params.schema);
    return typeof v === 'string' ? `schema: ${v}` : null;
  },
  score({ value, expected, params }) {
    let schema: unknown = params.schema;
    if (schema === undefined) {
      const parsed = asJson(expected);
      schema = parsed.ok ? parsed.value : undefined;
    }
    if (!schema || typeof schema !== 'object') return { score: 0, reason: 'no schema', error: 'the expected value is not a JSON Schema object' };
    const validate = validatorFor(schema);
    if (typeof validate === 'string') return { score: 0, reason: 'bad schema', error: validate };
    const parsed = asJson(value);
    if (!parsed.ok) return { score: 0, reason: `not JSON: ${parsed.error}` };
    if (validate(parsed.value)) return { score: 1, reason: 'fits the schema' };
    const errors = (validate.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message}`);
    return { score: 0, reason: `does not fit the schema: ${errors.join('; ')}` };
  },
});
