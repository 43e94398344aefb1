import type { TestProject } from 'vitest/node';
import { startTestRunner } from './runner';

declare module 'vitest' {
  export interface ProvidedContext {
    runnerUrl: string;
  }
}

// Component tests run in happy-dom, where the runner's Node code cannot load (happy-dom's URL is not
// Node's): one real runner is started here, in Node, for the whole project. It allows happy-dom's
// page origin through CORS, as a runner configured with `cors` allows a browser on another origin.
export default async function setup(project: TestProject) {
  const runner = await startTestRunner({ cors: ['http://localhost:3000'] });
  project.provide('runnerUrl', runner.url);
  return () => runner.close();
}
