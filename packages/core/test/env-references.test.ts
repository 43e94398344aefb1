import { describe, expect, it } from 'vitest';
import { ENV_NAME, ONE_ENV_REFERENCE } from '../src/node/config/env-references';

// One definition of a variable's name for every place a config names one (apiKeyEnv, a webhook's ${NAME}).
describe('env-references: whole-value patterns', () => {
  it('ENV_NAME takes a whole variable name and nothing around it', () => {
    expect(['GITHUB_TOKEN', '_X', 'a1'].filter((v) => ENV_NAME.test(v))).toEqual(['GITHUB_TOKEN', '_X', 'a1']);
    expect(['1A', 'A-B', '${A}', ' A', 'A\n'].some((v) => ENV_NAME.test(v))).toBe(false);
  });

  it('ONE_ENV_REFERENCE takes exactly one ${NAME}, giving the name', () => {
    expect(ONE_ENV_REFERENCE.exec('${SLACK_HOOK}')?.[1]).toBe('SLACK_HOOK');
    expect(['${A}${B}', 'x${A}', '${A}/path', '${1A}', 'Bearer ${A}'].some((v) => ONE_ENV_REFERENCE.test(v))).toBe(false);
  });
});
