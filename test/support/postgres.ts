import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
const USER = 'patchbay';

export interface PostgresServer {
  /** `postgres://patchbay@127.0.0.1:PORT/postgres` (trust auth: no password). */
  url: string;
  port: number;
  /** A new empty database; returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server at once (`pg_ctl stop -m immediate`): what "PostgreSQL went away" looks like. */
  kill(): Promise<void>;
  /** Starts a killed server again, on the same port with the same data (PostgreSQL came back). */
  restart(): Promise<void>;
  /**
   * SIGSTOP to the postmaster and every process of it (each connection's backend): a PostgreSQL that hangs
   * (connections are taken by the kernel, no statement is answered) until `resume()`.
   */
  pause(): void;
  /** SIGCONT to what `pause()` stopped. Safe to call when not paused; `stop()` and `kill()` call it. */
  resume(): void;
  /** Stops the server and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

let databases = 0;

/**
 * Debian's real PostgreSQL 15 in a temp dir: `initdb` + `pg_ctl start` on a free
 * loopback port, stopped and removed by `stop()`. PostgreSQL refuses to run as
 * root, so as root the cluster belongs to the `postgres` user (`runuser`); as
 * any other user it runs as that user.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const root = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-pg-'));
  if (root) await run('chown', ['postgres:postgres', dir]);
  const as = (bin: string, args: string[]) => (root ? run('runuser', ['-u', 'postgres', '--', `${BIN}/${bin}`, ...args]) : run(`${BIN}/${bin}`, args));
  const data = path.join(dir, 'data');
  await as('initdb', ['-D', data, '-A', 'trust', '-U', USER, '--no-sync', '-E', 'UTF8']);
  let port = 0;
  // fsync off: a test cluster need not survive a power cut, and it keeps `npm test` fast.
  const start = () => as('pg_ctl', ['-D', data, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, '-l', path.join(dir, 'log'), '-w', 'start']);
  // The port was free when freePort() looked, but the files run in parallel: another process can bind it before
  // PostgreSQL does (pg_ctl then exits 1, "could not bind … Address already in use"). Another port is tried then.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await start();
      break;
    } catch (err) {
      const log = fs.existsSync(path.join(dir, 'log')) ? fs.readFileSync(path.join(dir, 'log'), 'utf8') : '';
      if (attempt >= 5 || !/Address already in use/.test(log)) throw new Error(`${(err as Error).message}\n${log.trim().split('\n').slice(-5).join('\n')}`);
      fs.rmSync(path.join(dir, 'log'), { force: true });
    }
  }
  const url = `postgres://${USER}@127.0.0.1:${port}/postgres`;
  let stopped = false;
  let paused: number[] = [];
  const resume = () => {
    for (const pid of paused) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone meanwhile
      }
    }
    paused = [];
  };
  const stopWith = async (mode: string) => {
    resume();
    if (stopped) return;
    stopped = true;
    await as('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']).catch(() => {});
  };
  return {
    url,
    port,
    async createDatabase(name = `t${process.pid}_${++databases}`) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return `postgres://${USER}@127.0.0.1:${port}/${name}`;
    },
    kill: () => stopWith('immediate'),
    pause() {
      const postmaster = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      // The postmaster first, so it forks no backend that would answer; then its processes, as /proc lists them.
      for (const pid of [postmaster, ...childrenOf(postmaster)]) {
        process.kill(pid, 'SIGSTOP');
        paused.push(pid);
      }
    },
    resume,
    async restart() {
      await start();
      stopped = false;
    },
    async stop() {
      await stopWith('fast');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The pids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "PID (COMM) STATE PPID …": COMM may hold spaces and parentheses, so read after its last ')'.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}
