/** The label rule is core's, so the editor's forms refuse exactly what the runner refuses. */
export { LABEL_PATTERN } from '@patchbay/core';
