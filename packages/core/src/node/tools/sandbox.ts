import { newQuickJSWASMModule, type QuickJSWASMModule } from 'quickjs-emscripten';
import type { Sandbox } from '../../engine/services';

export interface SandboxOptions {
  /** Heap limit of each run. Default 64 MB. */
  memoryLimitBytes?: number;
  /**
   * QuickJS stack limit, at most 1 MB. Default 256 KB: QuickJS should hit its own
   * limit before the host's native stack does (512 KB can already overflow Node's);
   * when the host's overflows first, the run fails and the WASM module is replaced.
   */
  stackSizeBytes?: number;
}

const DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024;
const DEFAULT_STACK_SIZE = 256 * 1024;
const MAX_STACK_SIZE = 1024 * 1024;

// The body is compiled by QuickJS's own Function constructor, so it parses as a
// function body (no breaking out of a wrapper) and its syntax errors read naturally.
const WRAPPER = `(function (body, input) {
  const fn = new Function('value', body);
  const result = fn(JSON.parse(input));
  return result === undefined ? 'null' : JSON.stringify(result);
})`;

/**
 * Runs a `code` node's body in QuickJS (WASM): no `process`, `require`, `fetch`
 * or any host object exists inside. One WASM module is kept per sandbox and every
 * call gets a fresh runtime and context, so runs share nothing. The code runs
 * synchronously: `timeoutMs` is enforced by QuickJS's interrupt handler and the
 * signal is checked before the start and on every interrupt check.
 */
export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const defaultMemory = options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT;
  const stackSize = options.stackSizeBytes ?? DEFAULT_STACK_SIZE;
  if (!(stackSize >= 16 * 1024 && stackSize <= MAX_STACK_SIZE)) {
    throw new RangeError(`stackSizeBytes must be between 16 KB and 1 MB, got ${stackSize}`);
  }
  let module: Promise<QuickJSWASMModule> | null = null;

  return {
    async run(code, value, runOptions) {
      const { timeoutMs, signal } = runOptions;
      signal?.throwIfAborted();
      let input: string;
      try {
        input = JSON.stringify(value ?? null);
      } catch (err) {
        throw new Error(`code input is not JSON: ${(err as Error).message}`);
      }
      module ??= newQuickJSWASMModule();
      const quickjs = await module;
      signal?.throwIfAborted();

      const runtime = quickjs.newRuntime();
      runtime.setMemoryLimit(runOptions.memoryLimitBytes ?? defaultMemory);
      runtime.setMaxStackSize(stackSize);
      const deadline = Date.now() + timeoutMs;
      let stoppedBy: 'timeout' | 'abort' | null = null;
      runtime.setInterruptHandler(() => {
        if (signal?.aborted) stoppedBy = 'abort';
        else if (Date.now() > deadline) stoppedBy = 'timeout';
        return stoppedBy !== null;
      });
      const context = runtime.newContext();
      let outcome: { json: string } | { error: unknown };
      try {
        const wrapper = context.unwrapResult(context.evalCode(WRAPPER, 'sandbox.js'));
        const bodyHandle = context.newString(code);
        const inputHandle = context.newString(input);
        const result = context.callFunction(wrapper, context.undefined, bodyHandle, inputHandle);
        for (const handle of [wrapper, bodyHandle, inputHandle]) handle.dispose();
        if (result.error) {
          outcome = { error: context.dump(result.error) };
          result.error.dispose();
        } else {
          outcome = { json: context.getString(result.value) };
          result.value.dispose();
        }
      } catch (err) {
        // The host itself failed (e.g. its native stack): this module is no longer trustworthy.
        module = null;
        throw new Error(`code failed: the sandbox broke down (${(err as Error).message || String(err)})`);
      } finally {
        try {
          context.dispose();
          runtime.dispose();
        } catch {
          module = null;
        }
      }

      if ('json' in outcome) return JSON.parse(outcome.json);
      if (stoppedBy === 'abort') throw signal?.reason ?? new Error('code was cancelled');
      if (stoppedBy === 'timeout') throw new Error(`code timed out after ${timeoutMs} ms`);
      throw describeCodeError(outcome.error);
    },
  };
}

function describeCodeError(error: unknown): Error {
  if (error && typeof error === 'object') {
    const { name, message } = error as { name?: unknown; message?: unknown };
    if (name === 'InternalError' && message === 'out of memory') return new Error('code exceeded the memory limit');
    if (typeof message === 'string') {
      return new Error(`code failed: ${typeof name === 'string' && name !== 'Error' ? `${name}: ` : ''}${message}`);
    }
  }
  return new Error(`code failed: ${typeof error === 'string' ? error : JSON.stringify(error)}`);
}
