#!/usr/bin/env node
// The `patchbay` CLI. Sources are TypeScript, loaded through tsx so no build step stands between a clone and a run.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
