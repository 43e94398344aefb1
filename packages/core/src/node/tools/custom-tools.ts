import type { Sandbox } from '../../engine/services';
import type { CustomToolConfig } from '../config/workspace-config';
import type { Tool } from './tool';

const DEFAULT_TIMEOUT_MS = 2000;

/**
 * A custom tool from the workspace config: `code` is the body of a synchronous
 * JavaScript function of `args`, run in the QuickJS sandbox (no `process`,
 * `require`, network or file system) with a deadline; what it returns (JSON) is
 * the tool's result.
 */
export function createCustomTool(config: CustomToolConfig, sandbox: Sandbox): Tool {
  // The sandbox runs a body of `value`; an inner function gives the body its documented `args` name.
  const body = `return (function (args) {\n${config.code}\n})(value);`;
  return {
    spec: { name: config.name, description: config.description, parameters: config.parameters },
    call(args, { signal }) {
      return sandbox.run(body, args, { timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal });
    },
  };
}
