// @patchbay/core — runs in the browser and in Node. Node-only services: "@patchbay/core/node".
export * from './schema/pipeline';
export * from './nodes/types';
export * from './nodes/index';
export * from './nodes/template-variables';
export * from './graph/port-types';
export * from './graph/validate';
export * from './graph/ports';
export * from './graph/order';
export * from './graph/diff';
export * from './graph/hash';
export * from './engine/services';
export * from './engine/context';
export * from './engine/events';
export * from './engine/trace';
export * from './engine/run-pipeline';
export * from './engine/inputs';
export * from './schema/json-schema';
