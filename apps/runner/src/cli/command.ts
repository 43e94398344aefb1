import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes every command keeps: 0 ok, 1 the work failed (run, gate), 2 bad usage or bad input. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A usage or input error: printed as one line, exit 2. */
export class UsageError extends Error {}

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  name: string;
  summary: string;
  /** Full help text shown by `patchbay NAME --help`. */
  usage: string;
  options: CommandOptions;
  /** Positional arguments allowed: [min, max] (max Infinity for variadic). */
  positionals: [number, number];
  /** What to say, in words, when none of the positionals is given (`keys`: "name an action: …"); else the count is said. */
  missingFirst?: string;
  run(args: { values: Record<string, any>; positionals: string[] }, io: CliIO): Promise<number>;
}

/** Parses argv strictly: an unknown flag or a wrong number of arguments is a UsageError. */
export function parseCommandArgs(command: Command, argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: negativeValues(command.options, argv),
      options: { ...command.options, help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(`${argsReason(err as Error, argv)}; see patchbay ${command.name} --help`);
  }
  const [min, max] = command.positionals;
  const n = parsed.positionals.length;
  if (!parsed.values.help && n === 0 && min > 0 && command.missingFirst) throw new UsageError(`${command.missingFirst}; see patchbay ${command.name} --help`);
  if (!parsed.values.help && (n < min || n > max)) {
    const expected = min === max ? `${min} argument(s)` : max === Infinity ? `at least ${min} argument${min === 1 ? '' : 's'}` : `${min} to ${max} argument(s)`;
    // Name the ones too many: `patchbay serve 9000` is a flag's value that lost its flag.
    const extra = n > max ? ` (${parsed.positionals.slice(max).join(' ')})` : '';
    throw new UsageError(`expected ${expected}, got ${n}${extra}; see patchbay ${command.name} --help`);
  }
  return parsed as { values: Record<string, any>; positionals: string[] };
}

/** Why parseArgs refused argv, in one line of plain words. */
function argsReason(err: Error & { code?: string }, argv: string[]): string {
  // A flag left without its value: "argument is ambiguous" (another flag comes next) or "argument missing" (the last).
  const flag = /^Option '(-[^' ]*)(?: <value>)?' argument (?:is ambiguous|missing)/.exec(err.message)?.[1];
  if (flag) {
    const next = argv[argv.indexOf(flag) + 1];
    return next === undefined ? `${flag} needs a value` : `${flag} needs a value, but the next argument, ${next}, is an option`;
  }
  // Node's own text runs on with advice about `--`; the first sentence is the reason.
  // Its first line may end in a full stop, which would stand doubled before "; see …".
  const reason = err.message.split('\n')[0].replace(/^(Unknown option '[^']*')\..*$/, '$1').replace(/\.$/, '');
  return `${reason.charAt(0).toLowerCase()}${reason.slice(1)}`;
}

/**
 * `--concurrency -1`: node's parseArgs takes a value that starts with a dash for a
 * flag and calls it "ambiguous". A negative number is never a flag here, so it is
 * passed as the value (`--concurrency=-1`) and the command refuses it for what it is.
 */
function negativeValues(options: CommandOptions, argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = /^--([^=]+)$/.exec(argv[i])?.[1];
    if (name !== undefined && options[name]?.type === 'string' && /^-\d/.test(argv[i + 1] ?? '')) out.push(`${argv[i]}=${argv[++i]}`);
    else if (argv[i] === '--') {
      out.push(...argv.slice(i));
      break;
    } else out.push(argv[i]);
  }
  return out;
}
