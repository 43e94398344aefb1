// The sandbox's worker thread: runs `code` node bodies in QuickJS (WASM), one job at a time,
// each in a fresh runtime and context. Plain JavaScript so it starts without a TypeScript loader.
// Says {ready} once QuickJS is loaded; then answers each {id, code, input, ...} with
// {id, json} | {id, error, timedOut} | {id, broken} (the host itself failed: replace this worker).
import { parentPort, workerData } from 'node:worker_threads';
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC } from 'quickjs-emscripten';

// The body is compiled by QuickJS's own Function constructor, so it parses as a
// function body (no breaking out of a wrapper) and its syntax errors read naturally.
// What JSON has no word for (undefined, a function, a symbol) comes back as null. A Promise is
// refused: its value would come later than the run's answer, so it would turn into {} unseen,
// a rejected one too. Promise and JSON are taken before the body runs, which may replace them.
// NaN and ±Infinity, which JSON would also make null (0 / 0 for a mean of nothing), are named with
// their path instead. Only an answer whose JSON holds a null value is looked at again: first for any
// such number (a plain walk that stops at the first), then, only if there is one, for its path.
const WRAPPER = `(() => {
  const NativePromise = Promise;
  const { parse, stringify } = JSON;
  const isFiniteNumber = Number.isFinite;
  const isArray = Array.isArray;
  const NativeWeakMap = WeakMap;
  const NativeError = Error;
  const nullValue = /(?:^|[[:,])null(?:[\\]},]|$)/;
  const identifier = /^[A-Za-z_$][\\w$]*$/;
  const hasOwn = Object.prototype.hasOwnProperty;
  // What JSON.stringify would write, walked without its replacer calls (several times faster in QuickJS).
  function hasNonFinite(value) {
    if (typeof value === 'number') return !isFiniteNumber(value);
    if (value === null || typeof value !== 'object') return false;
    if (typeof value.toJSON === 'function') return hasNonFinite(value.toJSON());
    if (isArray(value)) {
      for (let i = 0; i < value.length; i++) if (hasNonFinite(value[i])) return true;
      return false;
    }
    for (const key in value) if (hasOwn.call(value, key) && hasNonFinite(value[key])) return true;
    return false;
  }
  function refuseNonFinite(result) {
    const paths = new NativeWeakMap();
    const step = (holder, key) => isArray(holder) ? '[' + key + ']' : identifier.test(key) ? '.' + key : '[' + stringify(key) + ']';
    stringify(result, function (key, value) {
      const path = key === '' && !paths.has(this) ? '$' : (paths.get(this) ?? '$') + step(this, key);
      if (typeof value === 'number' && !isFiniteNumber(value)) {
        throw new NativeError('the body returned ' + value + ' at ' + path + ', which JSON cannot hold: return null, a string or a finite number instead');
      }
      if (value !== null && typeof value === 'object') paths.set(value, path);
      return value;
    });
  }
  return function (body, input) {
    const fn = new Function('value', body);
    const result = fn(parse(input));
    if (result instanceof NativePromise) {
      throw new NativeError('the body returned a Promise; the code runs synchronously (no async, await or then): return the value itself');
    }
    const json = stringify(result) ?? 'null';
    if (nullValue.test(json) && hasNonFinite(result)) refuseNonFinite(result);
    return json;
  };
})()`;

// The module's WebAssembly memory is capped at its start-up size plus the memory limit. QuickJS's own
// limit (setMemoryLimit, kept below) refuses one allocation past it, but this build cannot measure the
// blocks it holds, so many small allocations went past it unseen: a body hoarding 1 MB strings took the
// memory to the 2 GB WebAssembly ceiling, and a memory never shrinks, so the runner kept it. Past the cap,
// an allocation fails inside QuickJS ("out of memory"), and what the run held is free for the next one.
const PAGE = 64 * 1024;
const STARTUP_PAGES = 256; // the 16 MB the module starts with (its data, stack and first heap)
const memory = new WebAssembly.Memory({ initial: STARTUP_PAGES, maximum: STARTUP_PAGES + Math.ceil(workerData.memoryLimitBytes / PAGE) });
const quickjs = await newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC, { wasmMemory: memory }));
parentPort.postMessage({ ready: true });

parentPort.on('message', ({ id, code, input, timeoutMs, memoryLimitBytes, stackSizeBytes }) => {
  let runtime;
  let context;
  let outcome;
  try {
    runtime = quickjs.newRuntime();
    runtime.setMemoryLimit(memoryLimitBytes);
    runtime.setMaxStackSize(stackSizeBytes);
    const deadline = Date.now() + timeoutMs;
    let timedOut = false;
    runtime.setInterruptHandler(() => (timedOut ||= Date.now() > deadline));
    context = runtime.newContext();
    const wrapper = context.unwrapResult(context.evalCode(WRAPPER, 'sandbox.js'));
    const bodyHandle = context.newString(code);
    const inputHandle = context.newString(input);
    const result = context.callFunction(wrapper, context.undefined, bodyHandle, inputHandle);
    for (const handle of [wrapper, bodyHandle, inputHandle]) handle.dispose();
    if (result.error) {
      outcome = { error: context.dump(result.error), timedOut };
      result.error.dispose();
    } else {
      outcome = { json: context.getString(result.value) };
      result.value.dispose();
    }
  } catch (err) {
    // The host itself failed (e.g. its native stack): this worker is no longer trustworthy.
    outcome = { broken: (err && err.message) || String(err) };
  }
  let retire = 'broken' in outcome;
  try {
    context?.dispose();
    runtime?.dispose();
  } catch {
    retire = true; // the answer stands, but the module is suspect: the host replaces this worker
  }
  parentPort.postMessage({ id, ...outcome, retire });
});
