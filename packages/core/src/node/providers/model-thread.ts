import { Worker } from 'node:worker_threads';
import type { ChatResult } from '../../engine/services';
import { proxySettings } from './http-dispatcher';
import { fromWireError, type ModelThreadAnswer, type ModelThreadRequest } from './model-thread-calls';
import type { OpenAICompatibleOptions } from './openai-compatible';
import type { Provider } from './provider';
import { ProviderError } from './provider-error';

const WORKER_FILE = new URL('./model-thread-worker.mjs', import.meta.url);

/** A provider as the model thread knows it: its options go with its first call to each thread. */
interface ThreadedProviderRef {
  id: number;
  name: string;
  options: OpenAICompatibleOptions;
}

interface Pending {
  provider: string;
  onToken?: (token: string) => void;
  settle: (answer: { result: unknown } | { error: Error }) => void;
}

type Job = { kind: 'chat'; model: string; request: Extract<ModelThreadRequest, { kind: 'chat' }>['request']; stream: boolean } | { kind: 'embed'; model: string; texts: string[] };

/**
 * One worker thread per process that makes the OpenAI-compatible providers' calls: the SDK, undici's fetch
 * and its web streams cost a served request more of the main thread than all of Patchbay's own work, and
 * there they held up every other request's routing, engine and writes. Many calls run on it at once. A
 * streamed call's tokens come back as they arrive; aborting a call answers at once with the caller's
 * reason and stops the call on the thread. Idle, the thread does not keep the process alive; a call in
 * flight does. A thread that dies fails the calls it had, in words, and the next call starts another.
 */
class ModelThread {
  private worker?: Worker;
  /** Settles once the current thread has loaded the providers' modules (or has stopped before it did). */
  private loading?: Promise<void>;
  private loaded = false;
  /** Providers whose options the current thread has. */
  private known = new Set<number>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  /** The thread drops a provider once nothing here can call it any more (a workspace config read again makes new ones). */
  private readonly forget = new FinalizationRegistry<number>((provider) => {
    if (!this.known.delete(provider)) return;
    this.worker?.postMessage({ kind: 'forget', provider } satisfies ModelThreadRequest);
  });

  call(provider: ThreadedProviderRef, job: Job, signal?: AbortSignal, onToken?: (token: string) => void): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    let worker: Worker;
    try {
      worker = this.worker ?? this.start();
    } catch (err) {
      return Promise.reject(new ProviderError(provider.name, `${provider.name}: the model thread could not start (${(err as Error).message})`));
    }
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.has(id)) return;
        this.done(id);
        worker.postMessage({ kind: 'abort', id } satisfies ModelThreadRequest);
        reject(signal!.reason);
      };
      const settle = (answer: { result: unknown } | { error: Error }) => {
        signal?.removeEventListener('abort', onAbort);
        if ('error' in answer) reject(answer.error);
        else resolve(answer.result);
      };
      this.pending.set(id, { provider: provider.name, onToken, settle });
      if (this.pending.size === 1) worker.ref();
      signal?.addEventListener('abort', onAbort, { once: true });
      const first = !this.known.has(provider.id);
      try {
        worker.postMessage({ ...job, id, provider: provider.id, options: first ? provider.options : undefined, cancellable: signal !== undefined } satisfies ModelThreadRequest);
        if (first) this.known.add(provider.id);
      } catch (err) {
        this.done(id);
        settle({ error: err as Error });
      }
    });
  }

  /**
   * Starts the thread, if it is not running, and resolves once it has loaded the providers' modules (the openai
   * SDK, undici, the TypeScript loader: ~0.7 s of a first call otherwise). A server does this at start so that
   * its first served request does not pay for them; it never rejects (a thread that could not start or load is
   * started again by the next call, as after a crash), and an idle thread keeps no process alive.
   */
  warm(): Promise<void> {
    try {
      if (!this.worker) this.start();
    } catch {
      return Promise.resolve();
    }
    return this.loading!;
  }

  /** `stopped` (no thread: none started yet, or it died), `loading` (started, its modules not loaded yet), `loaded`. */
  get state(): 'stopped' | 'loading' | 'loaded' {
    return !this.worker ? 'stopped' : this.loaded ? 'loaded' : 'loading';
  }

  forgetWhenGone(threaded: Provider, provider: number): void {
    this.forget.register(threaded, provider);
  }

  private start(): Worker {
    // Node's flags as this process has them (a worker takes them as they suit a worker: given by hand, a V8 flag
    // such as npm start's --max-semi-space-size is refused), unless one says what the main script is
    // (`node --input-type=module -e`): then none, the thread loads what it needs itself.
    const worker = new Worker(WORKER_FILE, process.execArgv.some((flag) => flag.startsWith('--input-type')) ? { execArgv: [] } : {});
    worker.unref();
    this.worker = worker;
    this.known = new Set();
    this.loaded = false;
    let onLoaded!: () => void;
    this.loading = new Promise((resolve) => (onLoaded = resolve));
    worker.on('message', (m: ModelThreadAnswer) => {
      if ('loaded' in m) {
        if (this.worker === worker) this.loaded = true;
        // The thread's port is held again by the time it has loaded (Node 20, with tsx's loader in the thread), which
        // kept a server stopped before any call from exiting: unref it again unless a call is in flight.
        if (this.pending.size === 0) worker.unref();
        return onLoaded();
      }
      const pending = this.pending.get(m.id);
      if (!pending) return; // aborted: answered already
      if ('token' in m) return pending.onToken?.(m.token);
      this.done(m.id);
      pending.settle('error' in m ? { error: fromWireError(m.error) } : { result: m.result });
    });
    const stopped = (reason: string) => {
      onLoaded();
      if (this.worker !== worker) return;
      this.worker = undefined;
      const pending = [...this.pending.values()];
      this.pending.clear();
      for (const p of pending) p.settle({ error: new ProviderError(p.provider, `${p.provider}: the model thread stopped (${reason}); the call was not finished`) });
    };
    worker.on('error', (err) => stopped(err.message));
    worker.on('exit', (code) => stopped(`it exited with code ${code}`));
    return worker;
  }

  private done(id: number) {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
  }

  /** Ends the thread (tests: what a crash does); calls in flight fail, the next call starts another. */
  async stop(): Promise<void> {
    await this.worker?.terminate();
  }
}

let thread: ModelThread | undefined;
let providers = 0;

/** The process's model thread (tests stop it to see what a crash does). */
export function modelThread(): ModelThread {
  return (thread ??= new ModelThread());
}

/** An OpenAI-compatible provider whose calls run on the model thread, answering as createOpenAICompatibleProvider does. */
export function createThreadedProvider(options: OpenAICompatibleOptions): Provider {
  // Only the proxy settings of the environment cross: the rest is none of the thread's business.
  const provider: ThreadedProviderRef = { id: ++providers, name: options.name, options: { ...options, env: proxySettings(options.env ?? process.env) } };
  const threaded: Provider = {
    chat: (model, request, chatOptions = {}) =>
      modelThread().call(provider, { kind: 'chat', model, request, stream: chatOptions.onToken !== undefined }, chatOptions.signal, chatOptions.onToken) as Promise<ChatResult>,
    embed: (model, texts, embedOptions = {}) => modelThread().call(provider, { kind: 'embed', model, texts }, embedOptions.signal) as Promise<number[][]>,
  };
  modelThread().forgetWhenGone(threaded, provider.id);
  return threaded;
}
