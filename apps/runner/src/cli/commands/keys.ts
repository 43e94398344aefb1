import { EXIT_OK, UsageError, type CliIO, type Command } from '../command';
import { openRunnerStore } from '../runner-store';

export const command: Command = {
  name: 'keys',
  summary: 'create, list and revoke serving keys',
  usage: `Usage: patchbay keys create NAME [--pipelines a,b] [--data DIR | --store STORE]
       patchbay keys list [--json] [--data DIR | --store STORE]
       patchbay keys revoke NAME [--data DIR | --store STORE]

Serving keys let applications call pipelines and nothing else: a key is
accepted (as "Authorization: Bearer pbk_…") only on /v1/* (the OpenAI-compatible
endpoint) and POST /api/pipelines/:name/run, and only for its pipelines. The
key is printed once by "create"; only its SHA-256 hash is stored.

Options:
  --pipelines a,b   the pipelines the key may call (default: all; repeatable)
  --json            list as JSON
  --data DIR        workspace data dir (default $PATCHBAY_DATA or ./.patchbay)
  --store STORE     the store of a runner started with --store (env PATCHBAY_STORE):
                    postgres://user@host/db, or a data dir the runners share
  --debug           show stack traces
  -h, --help        show this help

Exit codes: 0 done; 2 bad usage, a name that is taken or a key that does not exist.`,
  options: { pipelines: { type: 'string', multiple: true }, json: { type: 'boolean' }, data: { type: 'string' }, store: { type: 'string' } },
  positionals: [1, 2],
  missingFirst: 'name an action: create, list or revoke',
  async run({ values, positionals }, io) {
    const [action, name] = positionals;
    const { KEY_NAME_PATTERN, createServingKey, listServingKeys, revokeServingKey } = await import('../../deploy/serving-keys');
    const { DomainError } = await import('../../domain-errors');
    /** A taken name or a key that does not exist (a DomainError) is bad usage: exit 2, one line. */
    const asUsage = <T>(promise: Promise<T>): Promise<T> =>
      promise.catch((err: unknown) => {
        throw err instanceof DomainError ? new UsageError(err.message) : err;
      });
    const needsName = action === 'create' || action === 'revoke';
    if (!['create', 'list', 'revoke'].includes(action)) throw new UsageError(`unknown action "${action}": use create, list or revoke`);
    if (needsName && !name) throw new UsageError(`keys ${action} needs a NAME`);
    if (!needsName && name) throw new UsageError('keys list takes no NAME');
    if (needsName && !KEY_NAME_PATTERN.test(name)) throw new UsageError(`"${name}" is not a key name: use [a-z0-9_-], up to 64, starting with a letter or digit`);
    if (values.pipelines !== undefined && action !== 'create') throw new UsageError('--pipelines goes with keys create');
    // Given more than once, each adds its names (not only the last one counted).
    const pipelines = values.pipelines === undefined ? null : parsePipelines(values.pipelines.join(','));

    let newStoreIn: string | undefined;
    const store = await openRunnerStore({ data: values.data, store: values.store }, io, { create: action === 'create', readOnly: action === 'list', onCreated: (dir) => (newStoreIn = dir) });
    try {
      if (action === 'create') {
        const created = await asUsage(createServingKey(store, { name, pipelines }));
        io.stdout.write(`${created.key}\n`);
        io.stderr.write(`serving key "${name}" for ${created.pipelines ? created.pipelines.join(', ') : 'every pipeline'}: store it now, it is not shown again\n`);
        // Usually run from another folder than the runner's: its key would be refused with no word of why.
        if (newStoreIn) io.stderr.write(`patchbay keys: there was no runner store in ${newStoreIn}, so this key went into a new one, which no runner uses yet: a runner serving from another data dir will refuse it (401); pass --data DIR (or set PATCHBAY_DATA, or --store) to make it where your runner keeps its data\n`);
      } else if (action === 'revoke') {
        await asUsage(revokeServingKey(store.keys, name));
        io.stderr.write(`serving key "${name}" revoked\n`);
      } else {
        printKeys(io, await listServingKeys(store), values.json === true);
      }
      return EXIT_OK;
    } finally {
      await store.close();
    }
  },
};

function parsePipelines(text: string): string[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.find((n) => !/^[a-z0-9-]+$/.test(n));
  if (names.length === 0 || bad !== undefined) throw new UsageError(`--pipelines takes pipeline names separated by commas${bad ? `; "${bad}" is not one` : ''}`);
  return names;
}

function printKeys(io: CliIO, keys: { name: string; pipelines: string[] | null; missing: string[]; createdAt: string; lastUsedAt: string | null }[], json: boolean) {
  if (json) {
    io.stdout.write(JSON.stringify({ keys }, null, 2) + '\n');
    return;
  }
  if (keys.length === 0) {
    io.stdout.write('no serving keys; create one with: patchbay keys create NAME\n');
    return;
  }
  const rows = [['NAME', 'PIPELINES', 'CREATED', 'LAST USED'], ...keys.map((k) => [k.name, k.pipelines ? k.pipelines.map((p) => (k.missing.includes(p) ? `${p} (missing)` : p)).join(',') : '(all)', k.createdAt, k.lastUsedAt ?? 'never'])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  io.stdout.write(rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n');
}
