import { describe, expect, it } from 'vitest';
import { LABEL_PATTERN, labelProblem } from '../src/compose/label-name';

describe('labelProblem', () => {
  it('takes exactly what LABEL_PATTERN takes, and says in one sentence why not', () => {
    for (const good of ['production', 'staging', 'a', 'canary-2', 'v', 'v2-beta', '3d', '2024-q1', 'x'.repeat(64)]) {
      expect(LABEL_PATTERN.test(good)).toBe(true);
      expect(labelProblem(good)).toBeUndefined();
    }
    expect(labelProblem('x'.repeat(300))).toBe('a label is at most 64 characters (this one has 300).');
    expect(labelProblem('v3')).toBe('"v3" reads as version 3: a label cannot look like a version.');
    // The CLI reads NAME@3 as version 3, so a label "3" would mean one thing there and another in a node or /v1.
    for (const digits of ['3', '03', '0']) expect(LABEL_PATTERN.test(digits), digits).toBe(false);
    expect(labelProblem('3')).toBe('"3" reads as version 3: a label cannot look like a version.');
    expect(labelProblem('007')).toBe('"007" reads as version 7: a label cannot look like a version.');
    expect(labelProblem('')).toBe('name a label (production, staging, any slug).');
    for (const bad of ['Production', '-x', 'a b', 'é', 'a_b']) {
      expect(LABEL_PATTERN.test(bad)).toBe(false);
      expect(labelProblem(bad)).toBe('a label is a slug: lowercase letters, digits and -, starting with a letter or digit.');
    }
  });
});
