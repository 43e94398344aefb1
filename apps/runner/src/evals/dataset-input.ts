import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatasetError, inspectDataset, readCases, type DatasetSource, type EvalCase } from '@patchbay/evals';
import type { DatasetStore, DatasetVersion } from '../store/datasets';

export type DatasetFormat = 'jsonl' | 'csv' | 'json';

/** What an upload gives: cases as JSON, or the text of a JSONL, CSV or JSON file. */
export type DatasetInput = { cases: unknown[] } | { content: string; format: DatasetFormat };

/**
 * Checks an upload with the evals package's own loader, so the API accepts
 * exactly what `patchbay eval` accepts and refuses it with the same reasons
 * (a duplicate id names both lines). Text goes through a temporary file
 * because that is what the loader reads; its path never shows in a message.
 * Throws DatasetError (also for a dataset without cases).
 */
export async function loadDatasetInput(name: string, input: DatasetInput): Promise<{ hash: string; cases: EvalCase[] }> {
  const label = `dataset "${name}"`;
  if ('cases' in input) return loadDatasetSource({ inline: input.cases, label });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'patchbay-dataset-'));
  const file = path.join(dir, `upload.${input.format}`);
  try {
    await writeFile(file, input.content, 'utf8');
    return await loadDatasetSource({ path: file }).catch((err: Error) => {
      err.message = err.message.split(file).join(label);
      throw err;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A dataset file or inline cases, checked by the evals package's loader, with its content hash. Throws DatasetError. */
export async function loadDatasetSource(source: DatasetSource): Promise<{ hash: string; cases: EvalCase[] }> {
  const info = await inspectDataset(source);
  if (info.cases === 0) throw new DatasetError(`${info.source}: no cases`);
  const cases: EvalCase[] = [];
  for await (const { case: c } of readCases(source)) cases.push(c);
  return { hash: info.hash, cases };
}

/**
 * Checks and stores a dataset: what `POST /api/datasets` does, callable
 * without HTTP (the demo seeds its datasets with it). Throws DatasetError.
 */
export async function saveDataset(store: { datasets: DatasetStore }, name: string, input: DatasetInput): Promise<{ version: DatasetVersion; created: boolean }> {
  return store.datasets.save(name, await loadDatasetInput(name, input));
}
