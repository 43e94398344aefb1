import type { RE2JS } from 're2js';
import { planLinear } from './linear-pattern';

// A RegExp stand-in for patterns users write that must match in time linear in the text (see planLinear):
// JSONata's regexes (its time limit is checked between its steps, never inside one match, and a match runs on
// the runner's thread) and offline:scripted rules. This file is also bundled for the browser, which plans RE2
// for every pattern.

/** Why a pattern cannot be matched in linear time, in words; undefined when it can. */
export function regexProblem(pattern: RegExp): string | undefined {
  const plan = planLinear(pattern.source, pattern.flags);
  return plan.engine === 'none' ? plan.problem : undefined;
}

type Match = RegExpExecArray;

/**
 * `lastIndex` and `exec` of a RegExp with the flag g (JSONata's RegexEngine: what it builds from each
 * /pattern/flags, always with g). A pattern V8's linear-time engine takes stays a RegExp; the rest (a
 * case-insensitive one, a repeat {1,40}) run on RE2 (re2js), with JavaScript's results. A pattern neither can
 * run in linear time is refused (validation says so first, see regexProblem).
 */
export class LinearRegex {
  lastIndex = 0;
  private readonly native?: RegExp;
  private readonly re2?: RE2JS;

  constructor(pattern: RegExp) {
    const plan = planLinear(pattern.source, pattern.flags);
    if (plan.engine === 'none') throw new Error(plan.problem);
    if (plan.engine === 're2') this.re2 = plan.re2;
    else this.native = new RegExp(pattern.source, pattern.flags);
  }

  exec(text: string): Match | null {
    if (this.native) {
      this.native.lastIndex = this.lastIndex;
      const match = this.native.exec(text);
      this.lastIndex = this.native.lastIndex;
      return match;
    }
    const matcher = this.re2!.matcher(text);
    if (this.lastIndex > text.length || !matcher.find(this.lastIndex)) {
      this.lastIndex = 0; // as a g RegExp that finds nothing
      return null;
    }
    const groups = Array.from({ length: matcher.groupCount() + 1 }, (_, i) => matcher.group(i) ?? undefined);
    const match = Object.assign(groups, { index: matcher.start(), input: text, groups: undefined }) as unknown as Match;
    this.lastIndex = matcher.end();
    return match;
  }
}
