import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface StubProcess {
  url: string;
  /** Chat requests the stub has answered so far. */
  count(): Promise<number>;
  stop(): void;
}

/** Starts stub-server.ts in a child process: its CPU is not billed to whoever calls it. */
export function startStubProcess(latencyMs: number): Promise<StubProcess> {
  const script = fileURLToPath(new URL('./stub-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script, String(latencyMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: Array<(line: string) => void> = [];
  let buffered = '';
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (data: string) => {
      buffered += data;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        waiting.shift()?.(line);
      }
    });
    waiting.push((url) =>
      resolve({
        url,
        count: () => new Promise<number>((answer) => { waiting.push((line) => answer(Number(line))); child.stdin!.write('count\n'); }),
        stop: () => child.stdin!.end(),
      }),
    );
    child.once('exit', (code) => reject(new Error(`stub exited with ${code}`)));
  });
}
