// Writes packages/core/schema/pipeline.schema.json from the zod schemas.
// Run after changing the document schema or any node type's config:
//   npx tsx packages/core/scripts/write-schema.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pipelineJsonSchema } from '../src/schema/json-schema';

export const SCHEMA_FILE = fileURLToPath(new URL('../schema/pipeline.schema.json', import.meta.url));

/** The file's exact contents: pretty JSON with a trailing newline. */
export function schemaFileText(): string {
  return `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, schemaFileText());
  console.log(`wrote ${SCHEMA_FILE}`);
}
