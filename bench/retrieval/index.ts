// `npm run bench -- retrieval [--quick]`: keyword search in SQLite FTS5 (Patchbay's retrieval store) beside MiniSearch,
// on the same synthetic corpus and queries; plus hybrid (FTS5 + sqlite-vec, fused) for Patchbay.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runSeries, type Engine, type SeriesResult } from './series';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const chunkCount = quick ? 10_000 : 100_000;
const engineFlag = args.indexOf('--engine');

/** Each engine runs in its own process, so peak RSS is its own. */
function runChild(engine: Engine): SeriesResult {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--engine', engine, ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) {
    console.error(`retrieval bench: the ${engine} series exited with ${child.status ?? child.signal}`);
    process.exit(1);
  }
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

if (engineFlag !== -1) {
  console.log(JSON.stringify(await runSeries(args[engineFlag + 1] as Engine, chunkCount)));
} else {
  const ours = runChild('patchbay');
  const peer = runChild('minisearch');
  const ms = (x: number) => x.toFixed(3).padStart(9);
  const s = (x: number) => x.toFixed(2).padStart(9);

  console.log(`Retrieval: ${chunkCount.toLocaleString('en')} synthetic chunks of 30–70 words, ${quick ? 'quick run' : 'full run'}; top 10 per query\n`);
  console.log('engine                        ingest s   query p50 ms   query p99 ms   peak RSS MB');
  console.log(`patchbay keyword (FTS5 bm25)  ${s(ours.ingestSeconds)}   ${ms(ours.keyword.p50)}      ${ms(ours.keyword.p99)}      ${ours.peakRssMb.toFixed(0).padStart(8)}`);
  console.log(`minisearch keyword            ${s(peer.ingestSeconds)}   ${ms(peer.keyword.p50)}      ${ms(peer.keyword.p99)}      ${peer.peakRssMb.toFixed(0).padStart(8)}`);
  console.log(`patchbay hybrid (+sqlite-vec) ${s(ours.vectorIngestSeconds!)}   ${ms(ours.hybrid!.p50)}      ${ms(ours.hybrid!.p99)}          (same process)`);
  console.log(`\npatchbay keeps its indexes on disk (${ours.dbMb!.toFixed(0)} MB SQLite file, both indexes); MiniSearch holds its index in memory.`);
  console.log(`hybrid ingest embeds every chunk with offline:hash (256 dims) and stores the vectors; hybrid queries fuse the top 40 of each side.`);
  console.log(`mean keyword hits returned per query: patchbay ${ours.meanHits.toFixed(1)}, minisearch ${peer.meanHits.toFixed(1)}\n`);

  const r = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
  console.log(
    JSON.stringify({
      bench: 'retrieval',
      chunks: chunkCount,
      keywordP50Ms: r(ours.keyword.p50),
      keywordP99Ms: r(ours.keyword.p99),
      peerKeywordP50Ms: r(peer.keyword.p50),
      peerKeywordP99Ms: r(peer.keyword.p99),
      ingestSeconds: r(ours.ingestSeconds, 2),
      peerIngestSeconds: r(peer.ingestSeconds, 2),
      hybridP50Ms: r(ours.hybrid!.p50),
      hybridP99Ms: r(ours.hybrid!.p99),
      vectorIngestSeconds: r(ours.vectorIngestSeconds!, 2),
      peakRssMb: Math.round(ours.peakRssMb),
      peerPeakRssMb: Math.round(peer.peakRssMb),
      dbMb: Math.round(ours.dbMb!),
      quick,
    }),
  );
}
