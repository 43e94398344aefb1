import { setFlagsFromString } from 'node:v8';

// A regex that backtracks catastrophically ((a+)+$ on "aaaa…!") holds the thread it runs on for minutes, and
// the regexes of transform, router and map nodes run on the runner's (nodes/jsonata-regex.ts). With this flag
// V8 runs such a pattern on its linear-time engine once it backtracks too much. It is process-wide, and every
// process that runs pipelines loads @patchbay/core/node; the evals' regex scorer sets it too.
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
