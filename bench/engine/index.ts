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
  const map = runChild('map').map!;
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
  const mapTarget = 2 * worst(ours) + map.childRunUs;
  console.log(`map over ${map.items.toLocaleString('en')} items through a one-node child pipeline (offline:echo), µs per item:`);
  console.log(`  map node (concurrency 4)            ${map.mapUsPerItem.toFixed(2).padStart(8)}   target ≤ 2 × usPerNode + child run = ${mapTarget.toFixed(2)}`);
  console.log(`  loop of runPipeline calls           ${map.loopUsPerItem.toFixed(2).padStart(8)}   (map must be lower)`);
  console.log(`  one prepared child run on its own   ${map.childRunUs.toFixed(2).padStart(8)}\n`);
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
      mapUsPerItem: map.mapUsPerItem,
      loopUsPerItem: map.loopUsPerItem,
      mapChildRunUs: map.childRunUs,
      peakRssMb: Math.round(ours.peakRssMb),
      peerPeakRssMb: Math.round(peer.peakRssMb),
      quick,
    }),
  );
}
