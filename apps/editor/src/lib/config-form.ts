import type { JsonSchema, ModelKind } from '@patchbay/core';

/**
 * Reads a node type's config JSON Schema (from `GET /api/node-types`) into the
 * fields the inspector draws. Only the shapes zod's `toJSONSchema` produces for
 * node configs are handled; anything else falls back to a JSON editor.
 */
export type { JsonSchema };

export type FieldKind = 'template' | 'code' | 'text' | 'number' | 'integer' | 'boolean' | 'enum' | 'model' | 'index' | 'tool' | 'tool-list' | 'string-list' | 'json';

export interface FormField {
  key: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  description?: string;
  options?: string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  /** A model field's kind (the node type's `modelFields`): its picker lists only such models. */
  modelKind?: ModelKind;
}

/** What the node type's definition says about its fields (`GET /api/node-types`). */
export interface FieldHints {
  templateFields?: readonly string[];
  codeFields?: readonly string[];
  indexFields?: readonly string[];
  toolFields?: readonly string[];
  modelFields?: readonly { field: string; kind?: ModelKind }[];
}

/** `anyOf: [X, {type: null}]` and friends: the first branch that is not null. */
function unwrap(schema: JsonSchema): JsonSchema {
  const branches = schema.anyOf ?? schema.oneOf;
  if (!branches) return schema;
  const real = branches.filter((b) => b.type !== 'null');
  return real.length === 1 ? { ...unwrap(real[0]), description: schema.description ?? real[0].description, default: schema.default ?? real[0].default } : schema;
}

function kindOf(key: string, schema: JsonSchema, hints: FieldHints): Pick<FormField, 'kind' | 'options' | 'modelKind'> {
  if (hints.templateFields?.includes(key)) return { kind: 'template' };
  if (hints.codeFields?.includes(key)) return { kind: 'code' };
  if (hints.indexFields?.includes(key)) return { kind: 'index' };
  // a tool field names one tool, or (an agent's `tools`) is a list of them
  if (hints.toolFields?.includes(key)) return { kind: schema.type === 'array' ? 'tool-list' : 'tool' };
  const model = hints.modelFields?.find((m) => m.field === key);
  if (model) return model.kind ? { kind: 'model', modelKind: model.kind } : { kind: 'model' };
  if (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'string')) return { kind: 'enum', options: schema.enum as string[] };
  switch (schema.type) {
    case 'string':
      return { kind: 'text' };
    case 'integer':
      return { kind: 'integer' };
    case 'number':
      return { kind: 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'array':
      return schema.items && unwrap(schema.items).type === 'string' ? { kind: 'string-list' } : { kind: 'json' };
    default:
      return { kind: 'json' };
  }
}

const labelOf = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());

export function formFields(schema: JsonSchema | undefined, hints: FieldHints = {}): FormField[] {
  const properties = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  return Object.entries(properties).map(([key, raw]) => {
    const prop = unwrap(raw);
    return {
      key,
      label: labelOf(key),
      required: required.has(key),
      description: prop.description,
      default: prop.default,
      minimum: prop.minimum,
      maximum: prop.maximum,
      ...kindOf(key, prop, hints),
    };
  });
}

/** A config a freshly dropped node starts with: defaults, and an empty value for every required field. */
export function initialConfig(schema: JsonSchema | undefined, hints: FieldHints = {}): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const field of formFields(schema, hints)) {
    if (field.default !== undefined) config[field.key] = structuredClone(field.default);
    else if (field.required) config[field.key] = emptyValue(field);
  }
  return config;
}

function emptyValue(field: FormField): unknown {
  switch (field.kind) {
    case 'number':
    case 'integer':
      return field.minimum ?? 0;
    case 'boolean':
      return false;
    case 'enum':
      return field.options?.[0] ?? '';
    case 'string-list':
    case 'tool-list':
      return [];
    case 'json':
      return {};
    default:
      return '';
  }
}

export type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * What a text box's content means for a field. An empty optional field is
 * removed from the config (undefined) rather than stored as "".
 */
export function parseFieldText(field: FormField, text: string): Parsed {
  const empty = text.trim() === '';
  if (empty && !field.required && field.kind !== 'template' && field.kind !== 'code') return { ok: true, value: undefined };
  switch (field.kind) {
    case 'number':
    case 'integer': {
      const n = Number(text);
      if (empty || !Number.isFinite(n)) return { ok: false, message: `${field.label} must be a number` };
      if (field.kind === 'integer' && !Number.isInteger(n)) return { ok: false, message: `${field.label} must be a whole number` };
      return { ok: true, value: n };
    }
    case 'string-list':
      return { ok: true, value: text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean) };
    case 'json':
      try {
        return { ok: true, value: JSON.parse(text) };
      } catch (err) {
        return { ok: false, message: `${field.label} is not valid JSON: ${(err as Error).message}` };
      }
    default:
      return { ok: true, value: text };
  }
}

/** The text a box shows for a config value. */
export function fieldText(field: FormField, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (field.kind === 'string-list' && Array.isArray(value)) return value.join(', ');
  if (field.kind === 'json') return JSON.stringify(value, null, 2);
  return String(value);
}
