import { z } from '@hono/zod-openapi';
import { labelProblem, LABEL_PATTERN } from '@patchbay/core';

/** The label rule is core's, so the editor's forms refuse exactly what the runner refuses. */
export { LABEL_PATTERN };

/** A label of digits only, which runners took before `NAME@2` meant version 2 everywhere. */
const OLDER_DIGIT_LABEL = /^[0-9]{1,64}$/;

/**
 * A label in a request (a path, a body field, a filter, an alert rule), refused with core's reason, the one
 * the editor's forms give. A version written as a label (`v2`, `2`) is also told how to ask for a version there.
 */
export function labelField(askForVersion?: (version: number) => string) {
  return checkedLabel(askForVersion, false);
}

/**
 * A label a request names to remove it or to find the runs served under it: any label this rule takes, and
 * one of digits only (OLDER_DIGIT_LABEL), so a label an older runner made, and the runs it served, can still
 * be named there. Nowhere else: such a label is never moved or served again.
 */
export function storedLabelField(askForVersion?: (version: number) => string) {
  return checkedLabel(askForVersion, true);
}

function checkedLabel(askForVersion: ((version: number) => string) | undefined, digitsTaken: boolean) {
  return z
    .string()
    .superRefine((label, ctx) => {
      if (digitsTaken && OLDER_DIGIT_LABEL.test(label)) return;
      const version = Number(/^v?([0-9]+)$/.exec(label)?.[1] ?? 0);
      // Versions count from 1: "v0" is told it reads as a version, not pointed at a version 0 that is refused in turn.
      const problem = version >= 1 && askForVersion ? `"${label}" reads as version ${version}: a label cannot look like a version; ${askForVersion(version)}` : labelProblem(label);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .openapi({ pattern: digitsTaken ? `${LABEL_PATTERN.source}|${OLDER_DIGIT_LABEL.source}` : LABEL_PATTERN.source });
}
