#!/usr/bin/env node
// `npm run bench -- NAME [args]` runs bench/NAME/index.ts under tsx; `all` runs every bench that has one, in turn.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// Resolved from here, so the bench runs from any working directory.
const tsx = import.meta.resolve('tsx');
const [name, ...args] = process.argv.slice(2);
const available = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(here, entry.name, 'index.ts')))
  .map((entry) => entry.name)
  .sort();

if (!name || name === '--help' || name === '-h') {
  console.log(`Usage: npm run bench -- NAME [--quick]   (NAME: ${[...available, 'all'].join(', ')})`);
  process.exit(name ? 0 : 2);
}
if (name !== 'all' && !available.includes(name)) {
  console.error(`bench: no benchmark "${name}"; available: ${available.join(', ')}`);
  process.exit(2);
}

let failed = 0;
for (const bench of name === 'all' ? available : [name]) {
  if (name === 'all') console.log(`\n=== bench ${bench} ===`);
  // --expose-gc lets a bench settle the heap between measurements; cwd stays the caller's.
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', tsx, join(here, bench, 'index.ts'), ...args], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.error(`bench ${bench} exited with ${result.status ?? result.signal}`);
  }
}
process.exit(failed ? 1 : 0);
