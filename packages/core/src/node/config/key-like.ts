/**
 * Whether a value given where an environment variable's NAME goes (`apiKeyEnv`) looks like a key pasted there:
 * listed as a variable name it would reach `GET /api/providers` and the log. Names of variables are words
 * (`OPENAI_API_KEY`, `fireworks_key`, `MY_KEY_2`); keys are long and random.
 */

/** Public prefixes of keys whose characters a variable name may also have (`sk-proj-…` never passes as a name anyway). */
const KEY_PREFIXES = ['sk-', 'sk_', 'rk_', 'pk_', 'fw_', 'gsk_', 'hf_', 'pbk_', 'ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_', 'glpat-', 'xai-', 'r8_', 'nvapi-', 'xoxb-', 'xoxp-'];
/**
 * A prefix alone is no key: with it, at least this long (a `sk_key` is a name), and the rest not words in one case
 * each (`hf_inference_api_token` is a name; a key's rest mixes cases, or is a random stretch).
 */
const MIN_PREFIXED_KEY = 20;
const ONE_CASE_WORD = /^([a-z0-9]*|[A-Z0-9]*)$/;
/** An AWS access key id. */
const AWS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{16}$/;
/** A stretch between `_` this long with digits and lower-case letters that change class often is random, not a word. */
const MIN_RANDOM_STRETCH = 16;

export function looksLikeKey(value: string): boolean {
  const prefix = KEY_PREFIXES.find((p) => value.startsWith(p));
  if (prefix && value.length >= MIN_PREFIXED_KEY && !value.slice(prefix.length).split(/[_-]/).every((part) => ONE_CASE_WORD.test(part))) return true;
  if (AWS_KEY_ID.test(value)) return true;
  return value.split(/[_-]/).some(isRandomStretch);
}

/** Digits and lower-case letters, changing between letter, digit and case at least once in 4 characters (`a3f9c2…`, not `gpt4ominikey2024`). */
function isRandomStretch(text: string): boolean {
  if (text.length < MIN_RANDOM_STRETCH || !/[0-9]/.test(text) || !/[a-z]/.test(text)) return false;
  const kind = (c: string) => (c >= '0' && c <= '9' ? 0 : c >= 'a' && c <= 'z' ? 1 : c >= 'A' && c <= 'Z' ? 2 : 3);
  let changes = 0;
  for (let i = 1; i < text.length; i++) if (kind(text[i]) !== kind(text[i - 1])) changes++;
  return changes * 4 >= text.length;
}
