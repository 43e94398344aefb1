import { readFileSync } from 'node:fs';
import { EXIT_USAGE, parseCommandArgs, UsageError, type CliIO, type Command } from './command';
import { npmKeptFlags, npmKeptFlagsReason } from './npm-kept-flags';
import { liveRedact } from './workspace-services';

/** Commands load lazily so `patchbay validate` does not pay for the server or SQLite. */
const commands: Record<string, () => Promise<{ command: Command }>> = {
  validate: () => import('./commands/validate'),
  run: () => import('./commands/run'),
  diff: () => import('./commands/diff'),
  index: () => import('./commands/index-files'),
  search: () => import('./commands/search'),
  serve: () => import('./commands/serve'),
  eval: () => import('./commands/eval'),
  compare: () => import('./commands/compare'),
  keys: () => import('./commands/keys'),
  promote: () => import('./commands/promote'),
  worker: () => import('./commands/worker'),
};

const HELP = `patchbay — design, run and regression-test compound AI pipelines

Usage: patchbay <command> [options]

Commands:
  validate FILE        check a pipeline document
  run PIPELINE         run a pipeline (file or NAME@VERSION), print its outputs
  diff A B             list what changed between two pipeline documents
  index NAME FILE...   add files to a retrieval index
  search NAME QUERY    search a retrieval index
  serve                start the runner (API and editor)
  eval PIPELINE        score a pipeline against a dataset
  compare A B          compare two eval results
  keys ACTION          create, list and revoke serving keys
  promote NAME         move a label to a version if its evals are not worse
  worker               take runs and eval cases off the queue (scaled out)

Run "patchbay <command> --help" for a command's options. --debug shows stack traces.
patchbay --version prints the version.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[], rawIO: CliIO = defaultIO()): Promise<number> {
  const io = redactingIO(rawIO);
  const [name, ...rest] = argv;
  const debug = argv.includes('--debug');
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    // Asked for, the help is the output; given no command at all, it explains a usage error.
    (name ? io.stdout : io.stderr).write(HELP + '\n');
    return name ? 0 : EXIT_USAGE;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`patchbay ${version()}\n`);
    return 0;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) {
    io.stderr.write(`patchbay: unknown command "${name}"; run patchbay --help\n`);
    return EXIT_USAGE;
  }
  try {
    const { command } = await load();
    // Before the arguments are read: `npm start --port 9000` leaves 9000 alone as an argument.
    const keptByNpm = npmKeptFlags(command, io.env, rest);
    if (keptByNpm.length > 0) throw new UsageError(npmKeptFlagsReason(command, keptByNpm, io.env));
    const args = parseCommandArgs(command, rest);
    if (args.values.help) {
      io.stdout.write(command.usage.trimEnd() + '\n');
      return 0;
    }
    return await command.run(args, io);
  } catch (err) {
    // A damaged or unwritable data file, or a store to migrate first, is bad input, like a bad flag: nothing ran, and the line says what to do.
    const { DamagedDataFileError, ReadOnlyDataFileError } = await import('@patchbay/core/data-file');
    const { StoreNeedsMigratingError } = await import('../store/store-needs-migrating');
    if (err instanceof UsageError || err instanceof DamagedDataFileError || err instanceof ReadOnlyDataFileError || err instanceof StoreNeedsMigratingError) {
      io.stderr.write(`patchbay ${name}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`patchbay ${name}: ${debug ? (err as Error).stack : (err as Error).message}\n`);
    return 1;
  }
}

/** Every line the CLI prints (outputs, `--json` results, progress, errors) with the environment's secrets masked. */
function redactingIO(io: CliIO): CliIO {
  // Read when each line is written: a command that opens a workspace adds the secret names its config gives.
  const redact = liveRedact(io.env);
  const masked = (stream: CliIO['stdout']): CliIO['stdout'] =>
    new Proxy(stream, {
      get(target, key) {
        if (key === 'write') return (chunk: unknown, ...rest: unknown[]) => (target.write as (...a: unknown[]) => boolean)(typeof chunk === 'string' ? redact(chunk) : chunk, ...rest);
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return { ...io, stdout: masked(io.stdout), stderr: masked(io.stderr) };
}

function defaultIO(): CliIO {
  // A reader that stops early (`patchbay validate big.json | head`) closes the pipe: that ends
  // the output, it is not a crash, so no EPIPE stack trace; the command's exit code stands.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
