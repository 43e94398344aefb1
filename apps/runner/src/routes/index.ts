import { indexRoutes } from './indexes';
import { metricsRoutes } from './metrics';
import { monitorRoutes } from './monitors';
import { datasetCaseRoutes } from './dataset-cases';
import { compareRoutes } from './compare';
import { datasetRoutes } from './datasets';
import { evalRoutes } from './evals';
import { scorerTypeRoutes } from './scorer-types';
import { nodeTypeRoutes } from './node-types';
import { pipelineRoutes } from './pipelines';
import { providerRoutes } from './providers';
import { runRoutes } from './runs';
import { versionRoutes } from './versions';
import { labelRoutes } from './labels';
import { serveRoutes } from './serve';
import { openaiRoutes } from './openai';
import { keyRoutes } from './keys';
import { pipelineRefRoutes } from './pipeline-refs';
import { promotionRoutes } from './promotions';
import { suiteRoutes } from './suites';
import { toolRoutes } from './tools';
import type { RouteModule } from './route-module';

export type { RouteModule, AppDeps, IndexService, ApiApp } from './route-module';

/** Every resource the API serves. A new resource: one route module file, one line here. */
// One module per line, so resources added side by side do not collide here.
export const routeModules: RouteModule[] = [
  pipelineRoutes,
  versionRoutes,
  runRoutes,
  nodeTypeRoutes,
  providerRoutes,
  indexRoutes,
  datasetRoutes,
  evalRoutes,
  compareRoutes,
  scorerTypeRoutes,
  labelRoutes,
  serveRoutes,
  openaiRoutes,
  metricsRoutes,
  keyRoutes,
  monitorRoutes,
  datasetCaseRoutes,
  pipelineRefRoutes,
  promotionRoutes,
  suiteRoutes,
  toolRoutes,
];
