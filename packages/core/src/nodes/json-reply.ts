import Ajv, { type ValidateFunction } from 'ajv';
import { linearAjvRegExp } from './linear-pattern';

// One Ajv for all llm nodes; compiled validators are kept per schema object. A schema's patterns test the
// model's reply, text a user can shape: in linear time.
const ajv = new Ajv({ allErrors: true, strict: false, code: { regExp: linearAjvRegExp } });
const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Why a JSON Schema cannot be used, or null when Ajv compiles it. */
export function jsonSchemaProblem(schema: Record<string, unknown>): string | null {
  try {
    validatorFor(schema);
    return null;
  } catch (err) {
    return `jsonSchema is not a usable JSON Schema: ${(err as Error).message}`;
  }
}

// Models often wrap JSON in a Markdown fence even when asked not to.
const FENCED = /^\s*```[A-Za-z]*\s*\n([\s\S]*?)\n?\s*```\s*$/;

/** Parses a model's reply as JSON fitting `schema`; throws a one-line reason otherwise. */
export function parseJsonReply(text: string, schema: Record<string, unknown>): unknown {
  const body = FENCED.exec(text)?.[1] ?? text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    const preview = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    throw new Error(`the model's reply is not valid JSON (${(err as Error).message}): ${JSON.stringify(preview)}`);
  }
  const validate = validatorFor(schema);
  if (!validate(value)) {
    throw new Error(`the model's reply does not fit jsonSchema: ${ajv.errorsText(validate.errors, { dataVar: 'reply' })}`);
  }
  return value;
}
