import { z } from '@hono/zod-openapi';
import { labelProblem, LABEL_PATTERN } from '@patchbay/core';

/** The label rule is core's, so the editor's forms refuse exactly what the runner refuses. */
export { LABEL_PATTERN };

/**
 * A label in a request (a path, a body field, a filter, an alert rule), refused with core's reason, the one
 * the editor's forms give. A version written as a label (`v2`, `2`) is also told how to ask for a version there.
 */
export function labelField(askForVersion?: (version: number) => string) {
  return z
    .string()
    .superRefine((label, ctx) => {
      const version = /^v?([0-9]+)$/.exec(label)?.[1];
      const problem = version && askForVersion ? `"${label}" reads as version ${Number(version)}: a label cannot look like a version; ${askForVersion(Number(version))}` : labelProblem(label);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .openapi({ pattern: LABEL_PATTERN.source });
}

/**
 * A label a request names to remove it: any label this rule takes, and one of digits only, which runners
 * took before `NAME@2` meant version 2 everywhere, so a label made then can still be removed.
 */
export function removableLabelField() {
  return z
    .string()
    .superRefine((label, ctx) => {
      const problem = /^[0-9]{1,64}$/.test(label) ? undefined : labelProblem(label);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .openapi({ pattern: `${LABEL_PATTERN.source}|^[0-9]{1,64}$` });
}
