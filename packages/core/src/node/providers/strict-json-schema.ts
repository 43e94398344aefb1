/**
 * Whether a JSON Schema meets OpenAI's strict structured-output rules: every
 * object lists all its properties as required and forbids extra ones. Such
 * schemas are sent with `strict: true` (the server then guarantees the shape);
 * others with `strict: false`, which servers accept and the llm node still checks.
 */
export function isStrictJsonSchema(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.every(isStrictJsonSchema);
  if (!schema || typeof schema !== 'object') return true;
  const s = schema as Record<string, unknown>;
  const isObject = s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object')) || 'properties' in s;
  if (isObject) {
    const keys = Object.keys((s.properties as object | undefined) ?? {});
    const required = Array.isArray(s.required) ? s.required : [];
    if (s.additionalProperties !== false) return false;
    if (!keys.every((k) => required.includes(k))) return false;
  }
  for (const [key, value] of Object.entries(s)) {
    if (key === 'properties' || key === '$defs' || key === 'definitions') {
      if (value && typeof value === 'object' && !Object.values(value).every(isStrictJsonSchema)) return false;
    } else if (key === 'items' || key === 'anyOf' || key === 'allOf' || key === 'oneOf') {
      if (!isStrictJsonSchema(value)) return false;
    }
  }
  return true;
}
