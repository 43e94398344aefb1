/** `NAME`, `NAME@vN` or `NAME@LABEL`: how a served pipeline is named (the OpenAI `model`). */
export type ParsedRef =
  | { name: string; kind: 'default' }
  | { name: string; kind: 'version'; version: number }
  | { name: string; kind: 'label'; label: string };

const REF = /^([a-z0-9-]+)(?:@([a-z0-9-]+))?$/;

/** `@v3` is a version, any other slug after `@` a label; undefined when it is neither. */
export function parsePipelineRef(ref: string): ParsedRef | undefined {
  const m = REF.exec(ref);
  if (!m) return undefined;
  if (m[2] === undefined) return { name: m[1], kind: 'default' };
  const version = /^v([1-9][0-9]*)$/.exec(m[2]);
  return version ? { name: m[1], kind: 'version', version: Number(version[1]) } : { name: m[1], kind: 'label', label: m[2] };
}

/** A label is a slug that cannot be read as a version (`v3`). */
export const LABEL_PATTERN = /^(?!v[0-9]+$)[a-z0-9][a-z0-9-]{0,63}$/;
