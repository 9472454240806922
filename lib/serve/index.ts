/**
 * nn.serve(modelOrDir, options): an HTTP server for one or several models, speaking TF Serving's REST
 * API and the Open Inference Protocol, with dynamic batching. Resolves once it listens.
 */
import type { Registry } from 'prom-client';
import { expectedMessage, typeError } from '../errors.js';
import { checkInteger, checkKnownKeys, checkNumber, checkOptions, checkString } from '../validate.js';
import { ServerMetrics } from './metrics.js';
import { ModelEntry, defaultLoader, type ModelLoader } from './repository.js';
import { isServable, type ServableModel } from './servable.js';
import { buildApp } from './server.js';

export type { ServableModel } from './servable.js';
export type { ModelLoader } from './repository.js';

export interface ServeOptions {
  /** The model's name in URLs (one model given; default: the folder's name, or "model"). */
  name?: string;
  /** Port (default 8501; 0 picks a free one). */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Most rows per predict call (default 64; 1 turns batching off). */
  maxBatch?: number;
  /** Longest a request waits for others to share its batch, in ms (default 2; 0: the same event-loop turn). */
  maxDelayMs?: number;
  /** Largest request body in bytes (default 16 MiB); larger ones are answered 413. */
  bodyLimit?: number;
  /** A request not answered within this many ms gets 504 (default 30000). */
  timeoutMs?: number;
  /** How often version folders are checked for a new version, in ms (default 1000; 0: never). */
  pollMs?: number;
  /** Loads a model folder (default nn.loadModel); any object with predictAsync and inputShape may be returned. */
  loader?: ModelLoader;
  /** Receives the server's log lines (model versions loaded, requests that failed with 500; default: none). */
  log?: (message: string) => void;
  /** @internal The cluster worker's id, sent as x-simdnn-worker. */
  workerId?: string;
  /** @internal A cluster worker's link to the primary: /metrics answers every worker's metrics, aggregated. */
  clusterMetrics?: { use(registry: Registry): void; scrape(): Promise<string> };
}

export interface ModelServer {
  /** http://host:port */
  readonly url: string;
  readonly port: number;
  /** The served models' names. */
  readonly models: string[];
  /** Checks version folders for a new version now (the poll timer does this every pollMs). */
  poll(): Promise<void>;
  /** Stops taking requests, answers the ones in flight, then closes. */
  close(): Promise<void>;
}

type Source = string | ServableModel;

function sources(modelOrDir: unknown, name: string | undefined): Map<string, Source> {
  const out = new Map<string, Source>();
  if (typeof modelOrDir === 'string' || isServable(modelOrDir)) {
    const n = name ?? (typeof modelOrDir === 'string' ? ModelEntry.nameOf(modelOrDir) : 'model');
    out.set(n, modelOrDir as Source);
    return out;
  }
  if (modelOrDir !== null && typeof modelOrDir === 'object' && !Array.isArray(modelOrDir)) {
    if (name !== undefined) throw new TypeError('Expected no options.name when several models are given by name');
    for (const [k, v] of Object.entries(modelOrDir)) {
      if (typeof v !== 'string' && !isServable(v))
        throw typeError('a model folder or a model with predictAsync and inputShape', `modelOrDir.${k}`, v);
      out.set(k, v);
    }
    if (out.size === 0) throw new RangeError(expectedMessage('at least one model', 'modelOrDir', 'an empty object'));
    return out;
  }
  throw typeError(
    'a model folder, a model (predictAsync and inputShape), or an object of them by name',
    'modelOrDir',
    modelOrDir,
  );
}

export async function serve(modelOrDir: unknown, options: ServeOptions = {}): Promise<ModelServer> {
  const o = checkOptions(options, 'options');
  checkKnownKeys(
    o,
    [
      'name',
      'port',
      'host',
      'maxBatch',
      'maxDelayMs',
      'bodyLimit',
      'timeoutMs',
      'pollMs',
      'loader',
      'log',
      'workerId',
      'clusterMetrics',
    ],
    'serve options',
  );
  const name = o.name === undefined ? undefined : checkString(o.name, 'options.name');
  if (name !== undefined && !/^[A-Za-z0-9_.-]+$/.test(name))
    throw new RangeError(
      expectedMessage('a name of letters, digits, "_", "." or "-"', 'options.name', JSON.stringify(name)),
    );
  const port = o.port === undefined ? 8501 : checkInteger(o.port, 'options.port', { min: 0, max: 65535 });
  const host = o.host === undefined ? '127.0.0.1' : checkString(o.host, 'options.host');
  const maxBatch =
    o.maxBatch === undefined ? 64 : checkInteger(o.maxBatch, 'options.maxBatch', { min: 1, max: 1 << 16 });
  const maxDelayMs =
    o.maxDelayMs === undefined ? 2 : checkNumber(o.maxDelayMs, 'options.maxDelayMs', { min: 0, max: 10_000 });
  const bodyLimit =
    o.bodyLimit === undefined ? 16 << 20 : checkInteger(o.bodyLimit, 'options.bodyLimit', { min: 1024, max: 1 << 30 });
  const timeoutMs =
    o.timeoutMs === undefined ? 30_000 : checkInteger(o.timeoutMs, 'options.timeoutMs', { min: 1, max: 3_600_000 });
  const pollMs = o.pollMs === undefined ? 1000 : checkInteger(o.pollMs, 'options.pollMs', { min: 0, max: 86_400_000 });
  if (o.loader !== undefined && typeof o.loader !== 'function')
    throw typeError('a function', 'options.loader', o.loader);
  if (o.log !== undefined && typeof o.log !== 'function') throw typeError('a function', 'options.log', o.log);
  const cluster = o.clusterMetrics as ServeOptions['clusterMetrics'];
  const loader = (o.loader as ModelLoader | undefined) ?? defaultLoader;
  const log = (o.log as ((m: string) => void) | undefined) ?? (() => {});
  for (const n of sources(modelOrDir, name).keys())
    if (!/^[A-Za-z0-9_.-]+$/.test(n))
      throw new RangeError(
        expectedMessage('model names of letters, digits, "_", "." or "-"', 'the model name', JSON.stringify(n)),
      );

  const metrics = new ServerMetrics();
  const models = new Map<string, ModelEntry>();
  metrics.versions = () => [...models.values()].map((e) => [e.name, e.current.version] as [string, number]);
  for (const [n, source] of sources(modelOrDir, name)) {
    const observer = {
      batch: (rows: number, seconds: number) => {
        metrics.batchRows.observe({ model: n }, rows);
        metrics.batchSeconds.observe({ model: n }, seconds);
      },
    };
    models.set(n, await ModelEntry.create(n, source, { loader, maxBatch, maxDelayMs, observer, log }));
  }
  const app = buildApp({
    models,
    metrics,
    bodyLimit,
    timeoutMs,
    log,
    ...(o.workerId !== undefined ? { workerId: String(o.workerId) } : {}),
    ...(cluster ? { scrape: () => cluster.scrape() } : {}),
  });
  cluster?.use(metrics.registry);
  await app.listen({ port, host });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const poll = async () => {
    await Promise.all([...models.values()].map((e) => e.poll()));
  };
  let polling = false;
  const timer =
    pollMs > 0
      ? setInterval(() => {
          if (polling) return;
          polling = true;
          void poll().finally(() => (polling = false));
        }, pollMs)
      : undefined;
  timer?.unref();
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    port: actualPort,
    models: [...models.keys()],
    poll,
    close: () =>
      (closed ??= (async () => {
        app.closing = true;
        if (timer) clearInterval(timer);
        await app.close();
      })()),
  };
}
