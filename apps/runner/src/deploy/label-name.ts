/**
 * A label is a slug that cannot be read as a version (`v3`): `NAME@v3` means version 3.
 * References (`NAME`, `NAME@vN`, `NAME@LABEL`) are parsed by @patchbay/core's `parsePipelineRef`.
 */
export const LABEL_PATTERN = /^(?!v[0-9]+$)[a-z0-9][a-z0-9-]{0,63}$/;
