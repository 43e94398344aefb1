import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CHROMIUM_PATH } from './browser';

const root = path.resolve(import.meta.dirname, '../../..');

/** Builds the editor once for every browser test (the runner serves apps/editor/dist). */
export default function setup() {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`browser tests need Chromium at ${CHROMIUM_PATH}: apt-get update && apt-get install -y chromium`);
  }
  // vitest sets NODE_ENV=test, which would give Vite a development build of React (ten times slower)
  execFileSync('npm', ['run', 'build', '-w', '@patchbay/editor'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } });
}
