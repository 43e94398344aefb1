import type { NewVersion } from '../../src/store/index';

/** The first version of a pipeline with no nodes: what a store test saves when only the pipeline's being there matters. */
export const emptyVersion = (pipeline: string): NewVersion => ({
  pipeline,
  document: { format: 'patchbay.pipeline/v1', name: pipeline, nodes: [], edges: [] },
  message: 'm',
  baseVersion: null,
  contentHash: 'c',
  behaviorHash: 'b',
  problems: [],
});
