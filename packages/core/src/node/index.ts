// @patchbay/core/node — services that need Node: providers, retrieval, tools, sandbox, cache.
// Each area adds its exports here.
export * from './data-dir';
export * from './config/workspace-config';
export * from './services';
