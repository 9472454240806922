/**
 * /metrics under `simdnn serve --workers N`. The scrape lands on whichever worker the shared port hands
 * it to; that worker asks the primary over IPC, the primary gathers and sums every worker's registry with
 * prom-client's AggregatorRegistry.clusterMetrics() (itself IPC to each worker) and sends the text back.
 *
 * clusterMetrics() waits for every connected worker and gives up only after its own 5 s: a worker that
 * exits during a scrape would cost those 5 s, so the primary starts the gathering again without it.
 * A worker that has not yet added prom-client's listener would never answer, so each worker adds it
 * first thing and says so, and the primary waits (briefly) for the workers that have not.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const ASK = 'simdnn:metrics-request';
const ANSWER = 'simdnn:metrics-response';
const LISTENING = 'simdnn:metrics-listening';

interface Message {
  type?: unknown;
  id?: unknown;
  text?: unknown;
  error?: unknown;
}

const isMessage = (m: unknown): m is Message => m !== null && typeof m === 'object';

/** How long a worker waits for the primary's aggregate before answering 503. */
export const SCRAPE_TIMEOUT_MS = 8000;
/** How long the primary waits for a new worker to add prom-client's listener before gathering anyway. */
const LISTENER_WAIT_MS = 2000;
/** Gatherings started again because a worker exited during one. */
const MAX_ATTEMPTS = 3;

/** A cluster worker's side: answers prom-client's requests with its registry, and asks the primary for the sum. */
export class WorkerMetrics {
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve(text: string): void; reject(err: Error): void; timer: NodeJS.Timeout }
  >();

  constructor(private readonly timeoutMs = SCRAPE_TIMEOUT_MS) {
    if (!cluster.isWorker || !process.send) throw new Error('WorkerMetrics is for cluster workers');
    // Constructing an AggregatorRegistry adds prom-client's listener that answers the primary. It reports
    // no metric until use() names the server's registry.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([]);
    process.on('message', (m: unknown) => {
      if (!isMessage(m) || m.type !== ANSWER || typeof m.id !== 'number') return;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      clearTimeout(w.timer);
      if (typeof m.text === 'string') w.resolve(m.text);
      else w.reject(new Error(typeof m.error === 'string' ? m.error : 'the primary process sent no metrics'));
    });
    process.send({ type: LISTENING });
  }

  /** The registry this worker contributes to the sum. */
  use(registry: Registry): void {
    AggregatorRegistry.setRegistries([registry]);
  }

  /** Every worker's metrics, aggregated by the primary, as Prometheus text. */
  scrape(): Promise<string> {
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`the primary process did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      const fail = (err: Error | null) => {
        if (!err || !this.waiting.has(id)) return;
        this.waiting.delete(id);
        clearTimeout(timer);
        reject(new Error(`cannot reach the primary process: ${err.message}`));
      };
      if (!process.connected) return fail(new Error('the IPC channel is closed'));
      process.send!({ type: ASK, id }, undefined, {}, fail);
    });
  }
}

/** The primary's side: answers the workers' requests with clusterMetrics(). Call once, before forking. */
export function answerWorkerScrapes(): void {
  const aggregator = new AggregatorRegistry();
  const listening = new Set<number>();
  let listenerAdded: (() => void)[] = [];

  cluster.on('message', (worker: Worker, m: unknown) => {
    if (!isMessage(m)) return;
    if (m.type === LISTENING) {
      listening.add(worker.id);
      const wake = listenerAdded;
      listenerAdded = [];
      for (const f of wake) f();
    } else if (m.type === ASK && typeof m.id === 'number') {
      const id = m.id;
      void gather().then(
        (text) => reply(worker, { type: ANSWER, id, text }),
        (err: Error) => reply(worker, { type: ANSWER, id, error: err.message }),
      );
    }
  });
  cluster.on('exit', (worker) => listening.delete(worker.id));

  const reply = (worker: Worker, message: Message) => {
    // The asking worker may have exited meanwhile; the callback keeps a failed send from throwing.
    if (worker.isConnected()) worker.send(message, undefined, () => {});
  };

  const connected = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());

  /** Resolves once every connected worker has prom-client's listener, or after LISTENER_WAIT_MS. */
  const listenersReady = async () => {
    const deadline = Date.now() + LISTENER_WAIT_MS;
    while (connected().some((w) => !listening.has(w.id)) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        listenerAdded.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };

  const gather = async (): Promise<string> => {
    for (let attempt = 1; ; attempt++) {
      // Again on every attempt: the replacement of a worker that just exited may be starting.
      await listenersReady();
      const metrics = aggregator.clusterMetrics();
      // An abandoned gathering still rejects after prom-client's timeout: nobody waits for it then.
      metrics.catch(() => {});
      // A killed worker's channel may close without a 'disconnect' event: 'exit' says it too.
      let onGone!: () => void;
      const gone = new Promise<'gone'>((resolve) => {
        onGone = () => resolve('gone');
        cluster.once('disconnect', onGone).once('exit', onGone);
      });
      try {
        const result = await Promise.race([metrics, gone]);
        if (result !== 'gone') return result;
      } catch (err) {
        throw new Error(`${(err as Error).message} (a worker did not send its metrics in time)`, { cause: err });
      } finally {
        cluster.removeListener('disconnect', onGone).removeListener('exit', onGone);
      }
      if (attempt === MAX_ATTEMPTS) throw new Error(`workers kept exiting during ${MAX_ATTEMPTS} attempts`);
    }
  };
}
