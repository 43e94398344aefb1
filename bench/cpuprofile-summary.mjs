#!/usr/bin/env node
// `node bench/cpuprofile-summary.mjs FILE.cpuprofile [--skip SECONDS] [--per N] [--top K]`: where a
// process spent its time, from a `node --cpu-prof` profile (e.g. a runner under a bench:
// BENCH_RUNNER_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR'). Self time by package (node_modules) or
// source file, then by function. --skip leaves out start-up (the profile's first SECONDS); --per N
// prints µs per unit (N requests or runs in the window). The profile samples wall time while the
// thread is busy, so on a shared machine read the shares, and take CPU time from /proc or cpuUsage.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!file) {
  console.error('usage: node bench/cpuprofile-summary.mjs FILE.cpuprofile [--skip SECONDS] [--per N] [--top K]');
  process.exit(2);
}
const [skipUs, per, top] = [option('--skip', 0) * 1e6, option('--per', 0), option('--top', 25)];

const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const shortUrl = (url) => url.replace(/^file:\/\/.*?\/node_modules\//, 'nm:').replace(/^file:\/\/\/.*?\/(apps|packages|bench)\//, '$1/');
const packageOf = (frame) => {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url);
  if (inModules) return inModules[1];
  return frame.url ? shortUrl(frame.url) : frame.functionName; // (garbage collector), (program), native calls
};
const functionOf = (frame) => `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;

const byPackage = new Map();
const byFunction = new Map();
let busy = 0;
let idle = 0;
let t = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i];
  if (t - profile.startTime < skipUs) continue;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  const frame = nodes.get(profile.samples[i]).callFrame;
  if (frame.functionName === '(idle)') {
    idle += dt;
    continue;
  }
  busy += dt;
  for (const [map, key] of [[byPackage, packageOf(frame)], [byFunction, functionOf(frame)]]) map.set(key, (map.get(key) ?? 0) + dt);
}

const amount = (us) => (per ? `${(us / per).toFixed(1).padStart(8)} µs/unit` : `${(us / 1000).toFixed(1).padStart(9)} ms`);
console.log(`busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms${per ? `, ${(busy / per).toFixed(0)} µs busy per unit over ${per}` : ''}`);
for (const [title, map] of [['self time by package or file', byPackage], ['self time by function', byFunction]]) {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${amount(us)} ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`);
}
