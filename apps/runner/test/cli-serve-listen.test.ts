import { createServer, type Server } from 'node:net';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli, workspace } from './cli-child';

/** A port another process holds (a runner started before, another app): one line that says what to do, exit 1. */
describe('patchbay serve on a port that is taken', () => {
  let other: Server;
  let port: number;
  let ws: ReturnType<typeof workspace>;
  beforeAll(async () => {
    ws = workspace({});
    other = createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    port = (other.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => other.close(() => resolve()));
    ws.remove();
  });

  it('says the port is in use and how to pick another, in one line', async () => {
    const r = await runCli(['serve', '--port', String(port), '--data', path.join(ws.dir, 'data'), '--no-demo'], ws.dir, cleanEnv());
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    expect(r.stderr.trim()).toBe(
      `patchbay serve: cannot listen on 127.0.0.1:${port}: another process is listening there (a runner started before?): stop it, or pick another port with --port N (0 picks a free one)`,
    );
  });

  it('names PORT, not --port, when the port that is no port came from the environment', async () => {
    const fromEnv = await runCli(['serve', '--data', path.join(ws.dir, 'data'), '--no-demo'], ws.dir, cleanEnv({ PORT: '80a' }));
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toBe('patchbay serve: PORT must be an integer from 0 to 65535, got "80a"\n');
    const fromFlag = await runCli(['serve', '--port', '80a', '--data', path.join(ws.dir, 'data'), '--no-demo'], ws.dir, cleanEnv({ PORT: '8080' }));
    expect(fromFlag.code).toBe(2);
    expect(fromFlag.stderr).toBe('patchbay serve: --port must be an integer from 0 to 65535, got "80a"\n');
  });
});

// Refused input leaves nothing behind: the demo used to be seeded into the data dir before the config was read.
describe('patchbay serve refusing its input before it seeds the demo', () => {
  const ws = workspace({ 'bad.json': { providers: 5 } });
  afterAll(() => ws.remove());

  it('a bad --config: one line, exit 2, no data dir made', async () => {
    const dataDir = path.join(ws.dir, 'fresh');
    const bad = await runCli(['serve', '--port', '0', '--data', dataDir, '--config', 'bad.json'], ws.dir);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toBe(`patchbay serve: ${path.join(ws.dir, 'bad.json')}: providers: expected record\n`);
    expect(bad.stdout).toBe('');
    expect(existsSync(dataDir)).toBe(false);
    const missing = await runCli(['serve', '--port', '0', '--data', dataDir, '--config', 'nope.json'], ws.dir);
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toBe(`patchbay serve: ${path.join(ws.dir, 'nope.json')}: file not found\n`);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('an OTLP endpoint that is no URL: one line, exit 2, no data dir made', async () => {
    const dataDir = path.join(ws.dir, 'fresh-otel');
    const bad = await runCli(['serve', '--port', '0', '--data', dataDir], ws.dir, cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }));
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(dataDir)).toBe(false);
  });
});

// A URL given where a host name goes never matches a Host header: every request through that name was a 403.
describe('patchbay serve --allowed-host', () => {
  const ws = workspace({});
  afterAll(() => ws.remove());

  it('refuses a value that is no host name, saying what to give, exit 2, before anything is written', async () => {
    const dataDir = path.join(ws.dir, 'fresh');
    const cases: [string, string][] = [
      ['https://chat.example.com/', 'patchbay serve: --allowed-host "https://chat.example.com/" is not a host name: give the name alone, as the Host header carries it (here chat.example.com)\n'],
      ['', 'patchbay serve: --allowed-host "" is not a host name: give the name alone, as the Host header carries it (e.g. chat.example.com)\n'],
      ['chat example', 'patchbay serve: --allowed-host "chat example" is not a host name: give the name alone, as the Host header carries it (e.g. chat.example.com)\n'],
    ];
    for (const [value, said] of cases) {
      const refused = await runCli(['serve', '--port', '0', '--data', dataDir, '--allowed-host', value], ws.dir);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toBe(said);
      expect(existsSync(dataDir)).toBe(false);
    }
  });
});
