import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../../test/support/free-port';

/**
 * Debian's real `prometheus`, started on a free port with a temp data dir and
 * one scrape job (every second) for `target` (`host:port`); stopped by `stop()`.
 */
export async function startPrometheus(target: string, options: { bearerToken?: string } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-prometheus-'));
  const auth = options.bearerToken ? `\n    authorization:\n      credentials: ${options.bearerToken}` : '';
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: patchbay\n    metrics_path: /metrics\n    static_configs:\n      - targets: ['${target}']${auth}\n`,
  );
  const launch = async (port: number) => {
    const child: ChildProcess = spawn(
      'prometheus',
      [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr?.on('data', (chunk) => (log = (log + chunk).slice(-4000)));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
      // Bounded: until prometheus has exited, another process that took the port may be the one answering (or not).
      const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
      if (ready) return { child, url };
      if (Date.now() > deadline) throw new Error(`prometheus did not become ready: ${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  // The port was free when freePort() looked, but the files run in parallel: another process can bind it before
  // prometheus does (it then exits, "address already in use"). Another port is tried then.
  let started: Awaited<ReturnType<typeof launch>>;
  for (let attempt = 1; ; attempt++) {
    try {
      started = await launch(await freePort());
      break;
    } catch (err) {
      if (attempt >= 5 || !/address already in use/.test((err as Error).message)) throw err;
    }
  }
  const { child, url } = started;
  return {
    url,
    /** An instant query through Prometheus's HTTP API. */
    async query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`prometheus query failed: ${JSON.stringify(body)}`);
      return body.data.result;
    },
    async targetHealth(): Promise<string | undefined> {
      const body = (await (await fetch(`${url}/api/v1/targets`)).json()) as { data: { activeTargets: { health: string; lastError: string }[] } };
      const t = body.data.activeTargets[0];
      return t ? `${t.health}${t.lastError ? `: ${t.lastError}` : ''}` : undefined;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
