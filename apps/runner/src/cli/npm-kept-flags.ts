import type { Command } from './command';
import { NPM_CONFIG_NAMES } from './npm-config-names';

/**
 * The command's flags that npm kept for itself when an npm script started the CLI.
 *
 * `npm start --port 9000` (or `--port=9000`) never reaches `patchbay serve`: npm reads
 * every flag before `--` as its own config and exports it as `npm_config_port`. With `=`
 * the runner then started silently on 8787; without it, 9000 arrived alone as an argument
 * ("expected 0 argument(s), got 1"). `--no-X` arrives as `npm_config_X=""`.
 *
 * Not reported: a flag that reached us in `argv` after all (the script passes it itself), and a flag named as one
 * of npm's own configs (`--json`, `--force`, `--version`, `--no-cache`): npm sets those from `.npmrc` too
 * (`json=true`), so their variable says nothing about what was typed.
 */
export function npmKeptFlags(command: Command, env: NodeJS.ProcessEnv, argv: readonly string[]): string[] {
  if (!env.npm_lifecycle_event) return [];
  const kept: string[] = [];
  for (const name of Object.keys(command.options)) {
    const negated = name.startsWith('no-');
    const config = negated ? name.slice(3) : name;
    if (NPM_CONFIG_NAMES.has(config) || argv.some((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`))) continue;
    const value = env[`npm_config_${config.replace(/-/g, '_')}`];
    if (negated ? value === '' : value !== undefined) kept.push(`--${name}`);
  }
  return kept;
}

/** One line: which flags npm kept and how to pass them on (`npm start -- --port 9000`). */
export function npmKeptFlagsReason(command: Command, kept: string[], env: NodeJS.ProcessEnv): string {
  const event = env.npm_lifecycle_event ?? 'start';
  // npm start, npm test and npm stop need no "run"; any other script does.
  const script = ['start', 'test', 'stop', 'restart'].includes(event) ? `npm ${event}` : `npm run ${event}`;
  const again = kept.map((flag) => {
    const name = flag.slice(2);
    if (command.options[name]?.type !== 'string') return flag;
    // A value may be a credential (--store postgres://user:pass@…): only a port number is shown again.
    const value = env[`npm_config_${name.replace(/-/g, '_')}`];
    return `${flag} ${name === 'port' && value && /^\d+$/.test(value) ? value : '…'}`;
  });
  const they = kept.length === 1 ? 'it' : 'they';
  return `npm kept ${kept.join(' and ')} for itself, so ${they} never reached patchbay ${command.name}: npm passes flags on to a script only after --, as in ${script} -- ${again.join(' ')}`;
}
