/** An environment variable's name as a config writes it in `${NAME}`. */
const NAME = '[A-Za-z_][A-Za-z0-9_]*';

/** A whole value that is an environment variable's name (`apiKeyEnv`). */
export const ENV_NAME = new RegExp(`^${NAME}$`);

/** A whole value that is one `${NAME}` reference and nothing else; the name is group 1. */
export const ONE_ENV_REFERENCE = new RegExp(`^\\$\\{(${NAME})\\}$`);

/** `${NAME}` in a config value: where the config names an environment variable rather than holding its value. */
export const ENV_REFERENCE = new RegExp(`\\$\\{(${NAME})\\}`, 'g');

/** A value that only names variables: `${NAME}`s, optionally after an auth scheme (`Bearer ${TOKEN}`). */
export const ONLY_ENV_REFERENCES = new RegExp(`^(?:[A-Za-z][A-Za-z0-9-]* )?(?:\\$\\{${NAME}\\})+$`);

/** The names `value` refers to as `${NAME}`, in order. */
export function envReferenceNames(value: string): string[] {
  return [...value.matchAll(ENV_REFERENCE)].map(([, name]) => name);
}

/** The stretches of `value` around its `${NAME}` references: what it holds literally. */
export function literalStretches(value: string): string[] {
  // split keeps the captured names at the odd places.
  return value.split(ENV_REFERENCE).filter((_, i) => i % 2 === 0);
}

/** `value` with each `${NAME}` replaced by the variable's value; an unset one throws, naming it (never a value). */
export function expandEnv(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(ENV_REFERENCE, (_, name: string) => {
    const v = env[name];
    if (v === undefined) throw new Error(`environment variable ${name} is not set`);
    return v;
  });
}
