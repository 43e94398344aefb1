import { setFlagsFromString } from 'node:v8';

// A regex that backtracks catastrophically ((a+)+$ on "aaaa…!") holds the thread it runs on for minutes. With the
// first flag V8 runs such a pattern on its linear-time engine once it backtracks too much; the second lets a
// RegExp be compiled with the flag `l`, which is how nodes/linear-pattern.ts asks whether that engine takes a
// pattern at all (no backreference, no lookaround, no i or u, no repeat over ~16): those it does not take run on
// RE2 or are refused. Set together, here only: a RegExp with `l` compiles only where the fallback is on.
// Process-wide (worker threads share them), set at load, before any user's pattern is compiled: every process
// that runs pipelines or scorers loads @patchbay/core/node, and the evals' regex scorer imports this file too.
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
setFlagsFromString('--enable-experimental-regexp-engine');
