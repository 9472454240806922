/**
 * `simdnn serve`: serves saved models over HTTP (TF Serving REST and the Open Inference Protocol).
 * With --workers N, N processes share the port (node:cluster), each with its own copy of the models, and
 * /metrics answers the sum over all of them (../serve/cluster.ts).
 * SIGTERM or SIGINT: stop taking requests, answer those in flight, exit 0.
 */
import cluster, { type Worker } from 'node:cluster';
import { existsSync } from 'node:fs';
import { expectedMessage } from '../errors.js';
import { Flags, UsageError, parse } from './args.js';
import { SERVE_HELP } from './help.js';

const OPTIONS = {
  model: { type: 'string', multiple: true },
  name: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'max-batch': { type: 'string' },
  'max-delay-ms': { type: 'string' },
  'body-limit': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'poll-ms': { type: 'string' },
  workers: { type: 'string' },
  threads: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function serveCommand(argv: string[]): Promise<void> {
  const { values } = parse('serve', argv, OPTIONS);
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return;
  }
  const list = (values as unknown as { model?: string[] }).model ?? [];
  const f = new Flags({ ...values, model: undefined } as never, 'serve');
  if (list.length === 0)
    throw new UsageError(expectedMessage('a model folder', '--model', 'nothing (the option is required)'), 'serve');
  const models: Record<string, string> = {};
  const name = f.string('name');
  for (const spec of list) {
    const m = /^([A-Za-z0-9_.-]+)=(.+)$/.exec(spec);
    const dir = m && !existsSync(spec) ? m[2]! : spec;
    if (!existsSync(dir))
      throw new UsageError(
        expectedMessage('a model folder (or NAME=DIR)', '--model', `${JSON.stringify(spec)} (no such folder)`),
        'serve',
      );
    const n =
      m && !existsSync(spec)
        ? m[1]!
        : list.length === 1 && name !== undefined
          ? name
          : (await import('node:path')).basename(dir.replace(/\/+$/, ''));
    if (models[n] !== undefined)
      throw new UsageError(expectedMessage('distinct model names', '--model', `${JSON.stringify(n)} twice`), 'serve');
    models[n] = dir;
  }
  if (name !== undefined && list.length > 1)
    throw new UsageError(
      expectedMessage('NAME=DIR for each model when serving several', '--name', JSON.stringify(name)),
      'serve',
    );
  const options = {
    port: f.integer('port', 8501, { min: 0, max: 65535 }),
    host: f.string('host') ?? '127.0.0.1',
    maxBatch: f.integer('max-batch', 64, { min: 1, max: 1 << 16 }),
    maxDelayMs: f.number('max-delay-ms', 2, { min: 0, max: 10_000 }),
    bodyLimit: f.integer('body-limit', 16 << 20, { min: 1024, max: 1 << 30 }),
    timeoutMs: f.integer('timeout-ms', 30_000, { min: 1, max: 3_600_000 }),
    pollMs: f.integer('poll-ms', 1000, { min: 0, max: 86_400_000 }),
  };
  const workers = f.integer('workers', 1, { min: 1, max: 256 });
  const { info, setThreads } = await import('../system.js');
  // Compute threads per process: the cores shared among the workers unless given.
  const threads = f.integer('threads', Math.max(1, Math.floor(info().physicalCores / workers)), { min: 1, max: 256 });

  if (workers > 1 && cluster.isPrimary) return primary(workers);
  // First thing in a worker, so that the primary's requests for its metrics never go unanswered.
  const clusterMetrics = cluster.isWorker ? new (await import('../serve/cluster.js')).WorkerMetrics() : undefined;
  setThreads(threads);
  const { serve } = await import('../serve/index.js');
  const workerId = cluster.isWorker ? String(cluster.worker!.id) : undefined;
  let server: Awaited<ReturnType<typeof serve>>;
  try {
    server = await serve(models, {
      ...options,
      log: (m) => process.stderr.write(`simdnn serve: ${m}\n`),
      ...(workerId !== undefined ? { workerId, clusterMetrics } : {}),
    });
  } catch (err) {
    // The IPC channel would keep a worker that cannot serve alive: let it exit with the error.
    if (cluster.isWorker) setImmediate(() => cluster.worker!.isConnected() && cluster.worker!.disconnect());
    throw err;
  }
  const names = server.models.join(', ');
  if (!cluster.isWorker || cluster.worker!.id === 1)
    process.stdout.write(
      `simdnn serve: ${names} on ${server.url} (max batch ${options.maxBatch}, max delay ${options.maxDelayMs} ms, ${threads} compute thread${threads === 1 ? '' : 's'} per process)\n`,
    );
  await new Promise<void>((resolve) => {
    const stop = () => {
      void server.close().then(resolve, (e: Error) => {
        process.stderr.write(`simdnn serve: error while closing: ${e.message}\n`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    // A worker is told to stop by the primary (cluster disconnect).
    if (cluster.isWorker) cluster.worker!.once('disconnect', stop);
  });
  if (cluster.isWorker && cluster.worker!.isConnected()) cluster.worker!.disconnect();
}

/**
 * Forks the workers and restarts one that dies unexpectedly; on SIGTERM waits for all to finish. A worker
 * that exits before it listens (a model that does not load, a port in use) stops the server while none has
 * listened yet; later, its replacement is started after a delay that doubles with every such failure.
 */
async function primary(n: number): Promise<void> {
  (await import('../serve/cluster.js')).answerWorkerScrapes();
  let stopping = false;
  let everListened = false;
  let failures = 0;
  const listened = new Set<number>();
  const restarts = new Set<NodeJS.Timeout>();
  let stop!: (error?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    stop = (error?: Error) => {
      if (stopping) return;
      stopping = true;
      for (const t of restarts) clearTimeout(t);
      const finish = () => (error ? reject(error) : resolve());
      const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
      let left = alive.length;
      if (left === 0) finish();
      for (const w of alive) {
        w.once('exit', () => {
          if (--left === 0) finish();
        });
        w.process.kill('SIGTERM');
      }
    };
  });
  const fork = () => cluster.fork().on('error', (e: Error) => process.stderr.write(`simdnn serve: ${e.message}\n`));
  cluster.on('listening', (worker) => {
    listened.add(worker.id);
    everListened = true;
    failures = 0;
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const how = signal ?? `code ${code}`;
    if (!listened.has(worker.id)) {
      if (!everListened) {
        stop(new Error(`worker ${worker.id} exited (${how}) before it could serve; stopping`));
        return;
      }
      failures++;
    }
    listened.delete(worker.id);
    const delay = failures === 0 ? 0 : Math.min(30_000, 500 * 2 ** (failures - 1));
    process.stderr.write(
      `simdnn serve: worker ${worker.id} exited (${how}); starting another${delay ? ` in ${delay} ms` : ''}\n`,
    );
    const t = setTimeout(() => {
      restarts.delete(t);
      if (!stopping) fork();
    }, delay);
    restarts.add(t);
  });
  for (let i = 0; i < n; i++) fork();
  process.once('SIGTERM', () => stop());
  process.once('SIGINT', () => stop());
  await done;
}
