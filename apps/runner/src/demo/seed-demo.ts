import { copyFile, cp, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { behaviorHash, contentHash, validatePipeline } from '@patchbay/core';
import { createServices } from '@patchbay/core/node';
import { openSqliteStore, type VersionRecord } from '../store/index';
import { DEMO_DIR, DEMO_INDEX, DEMO_PIPELINE, DEMO_VERSIONS, demoDocPaths, readDemoJson, type DemoOrder } from './demo-content';
import { seedDemoEvals } from './demo-evals';
import { seedTriageDemo } from './demo-triage';
import { storeResolverOf } from '../pipelines/pipeline-resolver';
import { writeOrdersDatabase } from './orders-database';

export interface SeedDemoOptions {
  /** Where provider keys would be read from; the demo's models are all offline. */
  env?: NodeJS.ProcessEnv;
}

export type SeedOutcome = { seeded: true; dataDir: string } | { seeded: false; reason: string };

/**
 * Seeds the demo workspace (docs index, orders database and tool, the
 * `support-assistant` pipeline in three versions, the dataset, and the eval
 * results of each version) into `dataDir` when that is missing or empty.
 * Never touches a data dir that holds anything. The workspace is built in a
 * sibling folder and moved in whole, so a failed or interrupted seed leaves
 * the data dir empty and the next start tries again.
 */
export async function seedDemo(dataDir: string, options: SeedDemoOptions = {}): Promise<SeedOutcome> {
  const target = path.resolve(dataDir);
  if (!(await isEmptyOrMissing(target))) return { seeded: false, reason: `${target} is not empty` };
  await mkdir(path.dirname(target), { recursive: true });
  const staging = await mkdtemp(path.join(path.dirname(target), `.${path.basename(target)}.demo-`));
  try {
    await buildWorkspace(staging, target, options.env ?? process.env);
    const filled = { seeded: false as const, reason: `${target} was filled while the demo was being built` };
    if (!(await isEmptyOrMissing(target)) || !(await moveInto(staging, target))) return filled;
    return { seeded: true, dataDir: target };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Builds the demo in `dir`, to be moved to `target`. */
async function buildWorkspace(dir: string, target: string, env: NodeJS.ProcessEnv): Promise<void> {
  await copyFile(path.join(DEMO_DIR, 'patchbay.config.json'), path.join(dir, 'patchbay.config.json'));
  writeOrdersDatabase(path.join(dir, 'orders.sqlite'), readDemoJson<DemoOrder[]>('orders.json'));

  // No response cache: the seed should leave the workspace as a user would start it.
  const services = await createServices({ dataDir: dir, env, noCache: true });
  const store = openSqliteStore(dir);
  try {
    await services.retrieval.ingestFiles(DEMO_INDEX, demoDocPaths(), { cwd: DEMO_DIR });
    const versions: VersionRecord[] = [];
    for (const { file, message } of DEMO_VERSIONS) {
      const report = validatePipeline(readDemoJson(file));
      if (!report.valid || !report.document) {
        throw new Error(`demo pipeline ${file} is not valid: ${report.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
      }
      const document = report.document;
      const saved = await store.versions.save({
        pipeline: DEMO_PIPELINE,
        document,
        message,
        baseVersion: versions.at(-1)?.number ?? null,
        contentHash: contentHash(document),
        behaviorHash: behaviorHash(document),
        problems: [],
      });
      if (saved.status !== 'created') throw new Error(`could not save demo version from ${file}: ${saved.status}`);
      versions.push(saved.version);
    }
    await seedDemoEvals(store, services, versions, target);
    services.pipelines = storeResolverOf(store);
    await seedTriageDemo(store, services, versions.at(-1)!.number, target);
  } finally {
    await store.close();
    await services.close();
  }
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Renames that a copy can stand in for: the data dir is a symlink, a mount point, or on another device. */
const COPY_INSTEAD = new Set(['ENOTDIR', 'EBUSY', 'EXDEV', 'EPERM']);

/** One rename into a missing or empty dir; false when something else filled it first. */
async function moveInto(staging: string, target: string): Promise<boolean> {
  try {
    await rename(staging, target);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    if (!COPY_INSTEAD.has(code)) throw err;
  }
  await cp(staging, target, { recursive: true, errorOnExist: true, force: false });
  return true;
}
