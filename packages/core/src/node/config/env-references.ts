/** `${NAME}` in a config value: where the config names an environment variable rather than holding its value. */
export const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** `value` with each `${NAME}` replaced by the variable's value; an unset one throws, naming it (never a value). */
export function expandEnv(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(ENV_REFERENCE, (_, name: string) => {
    const v = env[name];
    if (v === undefined) throw new Error(`environment variable ${name} is not set`);
    return v;
  });
}
