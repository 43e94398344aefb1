/**
 * A JSON Schema as zod's `toJSONSchema` writes them for node configs and scorer params
 * (`GET /api/node-types`, `GET /api/scorer-types`): the parts the editor's forms read, and
 * anything else a schema may hold.
 */
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  title?: string;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  [key: string]: unknown;
};
