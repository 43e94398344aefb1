#!/usr/bin/env node
// `npm run bench -- NAME [args]` runs bench/NAME/index.ts under tsx; `all` runs every bench that has one, in turn.
// The benches' peers (promptfoo, LangChain, MiniSearch, autocannon) are bench/package.json's own dependencies,
// installed into bench/node_modules from bench/package-lock.json on the first run, not by the root `npm install`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

installPeers();

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

/** `npm ci --prefix bench` when bench/node_modules is missing or was installed from another bench/package-lock.json. */
function installPeers() {
  const marker = join(here, 'node_modules', '.patchbay-bench-lock');
  const lock = createHash('sha256').update(readFileSync(join(here, 'package-lock.json'))).digest('hex');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === lock) return;
  console.log('bench: installing the benchmark peers (promptfoo, LangChain, MiniSearch, autocannon) into bench/node_modules: npm ci --prefix bench');
  // Through the npm that runs this script when there is one (npm run bench), else the one on the PATH.
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  const started = Date.now();
  const result = spawnSync(npm[0], [...npm.slice(1), 'ci', '--prefix', here, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`bench: npm ci --prefix bench failed (${result.status ?? result.signal}); the benches need their peers`);
    process.exit(1);
  }
  writeFileSync(marker, lock);
  console.log(`bench: peers installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
