/**
 * Dynamic batching: the rows of concurrent requests are gathered into one predict call of at most
 * `maxBatch` rows. A batch starts when `maxBatch` rows are waiting, or `maxDelayMs` after the oldest
 * waiting row arrived (0: on the next turn of the event loop), and never while the previous batch is
 * still running (rows that arrive meanwhile go into the next one, which starts as soon as it ends).
 * Once a wait of maxDelayMs brought no other request, requests are alone: the next one that finds no
 * batch running, none waiting and no other request on its way (the server counts those whose bodies are
 * being received or read: `arriving`) starts at once, until a request comes while others are in the
 * server. So requests one at a time do not pay maxDelayMs each, and concurrent ones still share batches.
 * A request larger than `maxBatch` is split over several batches. Every request gets exactly its own
 * rows back, in order.
 */
import type { Servable } from './servable.js';

/** One request's rows: n samples of the model's input, flat. */
interface Job {
  /** The model version the rows were read for (a batch holds rows of one version). */
  readonly model: Servable;
  readonly x: Float32Array;
  readonly rows: number;
  /** Rows not yet put into a batch. */
  next: number;
  /** Rows whose outputs have not arrived yet. */
  pending: number;
  out?: Float32Array;
  settled: boolean;
  resolve(out: Float32Array): void;
  reject(err: Error): void;
}

export interface BatchObserver {
  /** Called after every predict call with its row count and duration. */
  batch(rows: number, seconds: number): void;
}

export class Batcher {
  private queue: Job[] = [];
  private queuedRows = 0;
  private running = false;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private buffer: Float32Array | undefined;
  private bufferSize = 0;
  /** How many requests the server is receiving or reading that may still come to this batcher. */
  arriving: () => number = () => 0;
  /** The last wait of maxDelayMs brought no other request, and none has come concurrently since. */
  private alone = false;

  constructor(
    readonly maxBatch: number,
    readonly maxDelayMs: number,
    private readonly observer?: BatchObserver,
  ) {}

  /** Rows waiting for a batch. */
  get waitingRows(): number {
    return this.queuedRows;
  }

  /** Whether a batch is running or rows are waiting. */
  get busy(): boolean {
    return this.running || this.queue.length > 0;
  }

  /**
   * The outputs of `model` for `rows` samples in `x` (rows * inputSize values). The
   * returned `cancel` drops the request if it has not been answered yet (its rows not yet in a batch
   * are removed from the queue).
   */
  submit(
    model: Servable,
    x: Float32Array,
    rows: number,
  ): { result: Promise<Float32Array>; cancel(reason: Error): void } {
    let job!: Job;
    const result = new Promise<Float32Array>((resolve, reject) => {
      job = { model, x, rows, next: 0, pending: rows, settled: false, resolve, reject };
    });
    if (this.running || this.queue.length > 0 || this.arriving() > 0) this.alone = false;
    this.queue.push(job);
    this.queuedRows += rows;
    this.schedule();
    return {
      result,
      cancel: (reason: Error) => {
        if (job.settled) return;
        job.settled = true;
        const i = this.queue.indexOf(job);
        if (i >= 0) {
          this.queue.splice(i, 1);
          this.queuedRows -= job.rows - job.next;
        }
        job.reject(reason);
      },
    };
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    if (this.queuedRows >= this.maxBatch || (this.alone && this.arriving() === 0)) {
      this.clearTimer();
      void this.runBatch();
      return;
    }
    if (this.timer !== undefined) return;
    const fire = () => {
      this.timer = undefined;
      if (this.queue.length === 1 && this.arriving() === 0) this.alone = true;
      if (!this.running) void this.runBatch();
    };
    this.timer = this.maxDelayMs > 0 ? setTimeout(fire, this.maxDelayMs) : setImmediate(fire);
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  /** Takes up to maxBatch waiting rows, runs them as one predict call and hands every job its rows. */
  private async runBatch(): Promise<void> {
    if (this.queue.length === 0) return;
    this.running = true;
    const model = this.queue[0]!.model;
    const d = model.inputSize;
    const parts: { job: Job; from: number; rows: number }[] = [];
    let rows = 0;
    while (rows < this.maxBatch && this.queue.length > 0 && this.queue[0]!.model === model) {
      const job = this.queue[0]!;
      const take = Math.min(job.rows - job.next, this.maxBatch - rows);
      parts.push({ job, from: job.next, rows: take });
      job.next += take;
      rows += take;
      if (job.next === job.rows) this.queue.shift();
    }
    this.queuedRows -= rows;
    let x: Float32Array;
    if (parts.length === 1 && parts[0]!.from === 0 && parts[0]!.rows === parts[0]!.job.rows) x = parts[0]!.job.x;
    else {
      // One buffer reused for every batch: predictAsync copies its input when the call starts.
      if (this.bufferSize !== d * this.maxBatch || this.buffer === undefined) {
        this.bufferSize = d * this.maxBatch;
        this.buffer = new Float32Array(this.bufferSize);
      }
      x = this.buffer.subarray(0, rows * d);
      let at = 0;
      for (const p of parts) {
        x.set(p.job.x.subarray(p.from * d, (p.from + p.rows) * d), at);
        at += p.rows * d;
      }
    }
    const t0 = process.hrtime.bigint();
    try {
      const out = await model.predictRows(x, rows);
      this.observer?.batch(rows, Number(process.hrtime.bigint() - t0) / 1e9);
      const per = out.length / rows;
      let at = 0;
      for (const p of parts) {
        const job = p.job;
        if (!job.settled) {
          if (p.rows === job.rows) job.out = out.subarray(at * per, (at + p.rows) * per);
          else {
            job.out ??= new Float32Array(job.rows * per);
            job.out.set(out.subarray(at * per, (at + p.rows) * per), p.from * per);
          }
          job.pending -= p.rows;
          if (job.pending === 0) {
            job.settled = true;
            job.resolve(job.out);
          }
        }
        at += p.rows;
      }
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      for (const p of parts) if (!p.job.settled) this.fail(p.job, err);
    } finally {
      this.running = false;
      // Rows that arrived during this batch have waited already: the next batch starts now.
      if (this.queue.length > 0) {
        this.clearTimer();
        void this.runBatch();
      }
    }
  }

  private fail(job: Job, err: Error): void {
    job.settled = true;
    const i = this.queue.indexOf(job);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.queuedRows -= job.rows - job.next;
    }
    job.reject(err);
  }
}
