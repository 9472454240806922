/**
 * The server's Prometheus metrics (one registry per server, so that servers in one process stay apart).
 * Under `--workers N` the registries of all workers are summed by prom-client's AggregatorRegistry
 * (./cluster.ts); each metric's `aggregator` says how (default: sum).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'simdnn_requests_total',
    help: 'Inference requests answered, by model, protocol and HTTP status',
    labelNames: ['model', 'protocol', 'status'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'simdnn_request_errors_total',
    help: 'Requests answered with an error status (4xx or 5xx), by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'simdnn_request_duration_seconds',
    help: 'Time from receiving an inference request to its response, by model and protocol',
    labelNames: ['model', 'protocol'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly batchRows = new Histogram({
    name: 'simdnn_batch_rows',
    help: 'Rows per predict call after dynamic batching, by model',
    labelNames: ['model'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'simdnn_batch_duration_seconds',
    help: 'Duration of each predict call, by model',
    labelNames: ['model'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });
  /** The served version of each model, read at every scrape. */
  versions: () => Iterable<[model: string, version: number]> = () => [];
  readonly version = new Gauge({
    name: 'simdnn_model_version',
    help: 'The version served, by model (with several workers: the lowest any of them serves)',
    labelNames: ['model'] as const,
    registers: [this.registry],
    // A version is not a count: summing it over workers would be meaningless.
    aggregator: 'min',
    collect: () => {
      for (const [model, version] of this.versions()) this.version.set({ model }, version);
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'simdnn_' });
  }
}
