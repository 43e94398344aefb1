/**
 * A label is a slug that cannot be read as a version: `NAME@v3` means version 3, and so does
 * `NAME@3` on the command line (elsewhere it is refused, naming `NAME@v3`), so neither `v3` nor
 * `3` is a label. References (`NAME`, `NAME@vN`, `NAME@LABEL`) are parsed by `parsePipelineRef`.
 */
export const LABEL_PATTERN = /^(?!v?[0-9]+$)[a-z0-9][a-z0-9-]{0,63}$/;
export const MAX_LABEL_LENGTH = 64;

/** Why `name` cannot be a label, as one sentence a form shows before sending it; undefined when it can. */
export function labelProblem(name: string): string | undefined {
  if (LABEL_PATTERN.test(name)) return undefined;
  if (name === '') return 'name a label (production, staging, any slug).';
  if (name.length > MAX_LABEL_LENGTH) return `a label is at most ${MAX_LABEL_LENGTH} characters (this one has ${name.length}).`;
  const version = /^v?([0-9]+)$/.exec(name);
  if (version) return `"${name}" reads as version ${Number(version[1])}: a label cannot look like a version.`;
  return 'a label is a slug: lowercase letters, digits and -, starting with a letter or digit.';
}
