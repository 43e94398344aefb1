import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The demo workspace's source files, shipped in the repo (examples/support-assistant). */
export const DEMO_DIR = fileURLToPath(new URL('../../../../examples/support-assistant/', import.meta.url));

export const DEMO_PIPELINE = 'support-assistant';
export const DEMO_DATASET = 'support-assistant';
export const DEMO_INDEX = 'docs';

/** The three versions in order, each with the message it is saved with. */
export const DEMO_VERSIONS = [
  { file: 'pipelines/v1.json', message: 'Answer with the model alone' },
  { file: 'pipelines/v2.json', message: 'Add retrieval: answer from the docs index' },
  { file: 'pipelines/v3.json', message: 'Route order questions to an agent with the orders tool' },
] as const;

export interface DemoOrder {
  number: number;
  status: string;
  eta: string | null;
  carrier: string | null;
}

export function readDemoJson<T>(file: string): T {
  return JSON.parse(readFileSync(path.join(DEMO_DIR, file), 'utf8')) as T;
}

/** The docs relative to DEMO_DIR (`docs/wifi.md`): ingested with DEMO_DIR as cwd, these are the documents' ids and sources. */
export function demoDocPaths(): string[] {
  return readdirSync(path.join(DEMO_DIR, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
}
