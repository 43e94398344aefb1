/**
 * A setting given by a flag or, without it, by its environment variable (`--store` / PATCHBAY_STORE,
 * `--queue` / PATCHBAY_QUEUE), with the name a message about it uses: a bad value set in the
 * environment (a compose file sets them so) is named as the variable, not as a flag never given.
 */
export interface FlagOrEnv {
  text: string;
  /** `--store`, or `PATCHBAY_STORE` when the value came from there. */
  name: string;
}

export function flagOrEnv(flagValue: unknown, env: NodeJS.ProcessEnv, flag: string, variable: string): FlagOrEnv | undefined {
  if (typeof flagValue === 'string') return { text: flagValue, name: flag };
  const fromEnv = env[variable];
  return fromEnv ? { text: fromEnv, name: variable } : undefined;
}

/** A one-line reason written of the flag (`--store must be …`), said of the name the setting came by. */
export function reasonAbout(setting: FlagOrEnv, flag: string, message: string): string {
  return setting.name !== flag && message.startsWith(flag) ? `${setting.name}${message.slice(flag.length)}` : message;
}
