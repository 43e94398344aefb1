import { spawn, type ChildProcess } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { deserializeMessage, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { cut, quoted } from './mcp-error-text';

export interface McpStdioOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The longest line read from stdout; past it the server is stopped. */
  maxLineBytes: number;
  /** How long a server that has written only lines that are not JSON-RPC is waited for before it is stopped. */
  notMcpAfterMs: number;
}

const STDERR_TAIL = 2000;
const STDERR_LINES = 3;
const LINE_CHARS = 160;

/**
 * MCP over a child process's stdin and stdout, as the SDK's StdioClientTransport, keeping what a user needs
 * when the server goes wrong: how it exited (code or signal), the end of its stderr, and the last line it wrote
 * that is not JSON-RPC. The SDK's transport gives neither the exit code nor the line (only JSON.parse's
 * 10-character snippet, or a zod issue dump of several KB), and a program that is no MCP server (it prints
 * "Listening on :3000" and waits) held the connection for the whole 30 s timeout.
 */
export class McpStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child: ChildProcess | undefined;
  private spawned = false;
  private stopping = false;
  /** A JSON-RPC message came: the server speaks MCP, and a stray line after that is noise. */
  private spoke = false;
  private stray: string | null = null;
  private strayTimer: NodeJS.Timeout | undefined;
  private exit: string | null = null;
  private failure: string | null = null;
  private stderrTail = '';
  private partial: Buffer[] = [];
  private partialBytes = 0;

  constructor(private readonly options: McpStdioOptions) {}

  start(): Promise<void> {
    const { command, args, env, cwd } = this.options;
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'], shell: false, windowsHide: true });
      this.child = child;
      child.once('error', (err) => {
        reject(err);
        this.onerror?.(err);
      });
      child.once('spawn', () => {
        this.spawned = true;
        resolve();
      });
      child.once('close', (code, signal) => {
        // Only an end the server chose is news: a stop we asked for says nothing about it.
        if (this.spawned && !this.stopping) this.exit = signal ? `it was stopped by ${signal}` : `it exited with code ${code}`;
        this.stopWatching();
        this.child = undefined;
        this.onclose?.();
      });
      child.stdin!.on('error', (err) => this.onerror?.(err));
      child.stdout!.on('data', (chunk: Buffer) => this.read(chunk));
      child.stderr!.on('data', (chunk: Buffer) => {
        this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin;
      if (!stdin || this.stopping) return reject(new Error('Not connected'));
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }

  close(): Promise<void> {
    return this.stop(2000);
  }

  /** As the SDK: end stdin (the spec's way to stop a server), then SIGTERM `graceMs` later, then SIGKILL 2 s after. */
  private async stop(graceMs: number): Promise<void> {
    const child = this.child;
    this.stopWatching();
    if (!child || this.stopping) return;
    this.stopping = true;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const within = (ms: number) => Promise.race([closed, new Promise((resolve) => setTimeout(resolve, ms).unref())]);
    const running = () => child.exitCode === null && child.signalCode === null;
    child.stdin?.end();
    await within(graceMs);
    if (running()) child.kill('SIGTERM');
    await within(2000);
    if (running()) child.kill('SIGKILL');
  }

  /**
   * What went wrong with the process, in one line, when it did: why we stopped it, or how it ended and the
   * line that was not JSON-RPC that may say why. Null while it runs and has done nothing wrong.
   */
  account(): string | null {
    const head = this.failure ?? this.exit;
    if (!head) return null;
    return this.stray && !this.failure ? `${head}; ${this.strayNote()}` : head;
  }

  /** The note on a line that was not JSON-RPC (null if none, or if account() says it already). */
  strayDetail(): string | null {
    return this.stray && !this.account() ? this.strayNote() : null;
  }

  /** The last lines of its stderr, as one line: `stderr: a | b`; "nothing on stderr" once it has exited without any. */
  stderrDetail(): string | null {
    const lines = this.stderrTail
      .split(/\r?\n|\r/)
      .map((line) => stripVTControlCharacters(line).trim())
      .filter(Boolean)
      .slice(-STDERR_LINES)
      .map((line) => cut(line, LINE_CHARS));
    if (lines.length) return `stderr: ${lines.join(' | ')}`;
    return this.exit ? 'nothing on stderr' : null;
  }

  private strayNote(): string {
    return `it wrote ${this.stray} on stdout, which is not JSON-RPC`;
  }

  private read(chunk: Buffer): void {
    if (this.stopping) return;
    let start = 0;
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
      const line = Buffer.concat([...this.partial, chunk.subarray(start, end)]).toString('utf8');
      this.partial = [];
      this.partialBytes = 0;
      start = end + 1;
      this.line(line.replace(/\r$/, ''));
      if (this.stopping) return;
    }
    if (start < chunk.length) {
      this.partial.push(chunk.subarray(start));
      this.partialBytes += chunk.length - start;
    }
    if (this.partialBytes > this.options.maxLineBytes) {
      this.partial = [];
      this.partialBytes = 0;
      this.fail(`it wrote more than ${this.options.maxLineBytes} bytes on stdout without a line break`);
    }
  }

  private line(text: string): void {
    if (!text.trim()) return;
    let message: JSONRPCMessage;
    try {
      message = deserializeMessage(text);
    } catch {
      this.stray = quoted(text);
      this.onerror?.(new Error(this.strayNote()));
      // A server that has never said a JSON-RPC word is most likely no MCP server (a web server, a CLI printing
      // its usage): waiting out the request's timeout would only delay saying so. One that has spoken is
      // logging to the wrong stream, and keeps working.
      if (!this.spoke && !this.strayTimer) {
        const ms = this.options.notMcpAfterMs;
        this.strayTimer = setTimeout(() => {
          if (!this.spoke) this.fail(`${this.strayNote()}, and no MCP message in ${ms / 1000} s: is it an MCP server over stdio?`);
        }, ms);
      }
      return;
    }
    this.spoke = true;
    this.stopWatching();
    this.onmessage?.(message);
  }

  private fail(reason: string): void {
    this.failure = reason;
    this.onerror?.(new Error(reason));
    // No grace for a server found broken: the call waiting on it fails once it has gone.
    void this.stop(0);
  }

  private stopWatching(): void {
    clearTimeout(this.strayTimer);
    this.strayTimer = undefined;
  }
}
