// `npm run bench -- engine [--quick]`: orchestration overhead per no-op node, Patchbay's engine beside LangChain.js.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runSeries, type Series, type SeriesResult } from './scenarios';
import { SHAPES, SIZES } from './shapes';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const seriesFlag = args.indexOf('--series');

function runChild(series: Series): SeriesResult {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--series', series, ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) {
    console.error(`engine bench: the ${series} series exited with ${child.status ?? child.signal}`);
    process.exit(1);
  }
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

if (seriesFlag !== -1) {
  // Child: one series; its result is the last line.
  console.log(JSON.stringify(await runSeries(args[seriesFlag + 1] as Series, quick)));
} else {
  const ours = runChild('patchbay');
  const peer = runChild('langchain');
  const validation = runChild('validation');
  const at = (r: SeriesResult, shape: string, size: number) => r.figures.find((f) => f.shape === shape && f.size === size)!.usPerNode;

  console.log(`Engine orchestration overhead, µs per no-op node (median of ${quick ? 3 : 15} samples after warm-up)\n`);
  console.log('shape    nodes   patchbay   langchain.js   peer/ours');
  for (const shape of SHAPES) {
    for (const size of SIZES) {
      const a = at(ours, shape, size);
      const b = at(peer, shape, size);
      console.log(`${shape.padEnd(8)} ${String(size).padStart(5)} ${a.toFixed(2).padStart(10)} ${b.toFixed(2).padStart(14)} ${(b / a).toFixed(1).padStart(10)}x`);
    }
  }
  console.log(`\npeak RSS of a process running the whole series: patchbay ${ours.peakRssMb.toFixed(0)} MB, langchain.js ${peer.peakRssMb.toFixed(0)} MB`);
  console.log(`validation, separate from the figures above (runs use skipValidation): ${at(validation, 'chain', 1000).toFixed(2)} µs per node, 1,000-node template chain\n`);

  const worst = (r: SeriesResult) => Math.max(at(r, 'chain', 1000), at(r, 'fanout', 1000));
  const round = (x: number) => Math.round(x * 100) / 100;
  console.log(
    JSON.stringify({
      bench: 'engine',
      usPerNode: round(worst(ours)),
      peerUsPerNode: round(worst(peer)),
      chain1000UsPerNode: round(at(ours, 'chain', 1000)),
      fanout1000UsPerNode: round(at(ours, 'fanout', 1000)),
      peerChain1000UsPerNode: round(at(peer, 'chain', 1000)),
      peerFanout1000UsPerNode: round(at(peer, 'fanout', 1000)),
      validateUsPerNode: round(at(validation, 'chain', 1000)),
      peakRssMb: Math.round(ours.peakRssMb),
      peerPeakRssMb: Math.round(peer.peakRssMb),
      quick,
    }),
  );
}
