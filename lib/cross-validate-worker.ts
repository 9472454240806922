/**
 * A worker thread of `crossValidate({ parallel })`: imports the model factory named in its setup,
 * then runs each fold it is sent and posts back the fold's metrics and history.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  checkFactoryModel,
  importFactory,
  runFold,
  type ModelFactory,
  type WorkerJob,
  type WorkerMessage,
  type WorkerSetup,
} from './cross-validate.js';
import type { FitOptions } from './model.js';
import { Tensor } from './tensor.js';

const setup = workerData as WorkerSetup;
const port = parentPort!;
const x = new Tensor(setup.x.data, setup.x.shape);
const y = new Tensor(setup.y.data, setup.y.shape);
let factory: Promise<ModelFactory> | undefined;

function fitOptions(fit: FitOptions): FitOptions {
  if (!fit.validationData) return fit;
  const [vx, vy] = fit.validationData as [
    { data: Float32Array; shape: number[] },
    { data: Float32Array; shape: number[] },
  ];
  return { ...fit, validationData: [new Tensor(vx.data, vx.shape), new Tensor(vy.data, vy.shape)] };
}

port.on('message', (job: WorkerJob) => {
  void (async () => {
    try {
      factory ??= importFactory(setup.module, setup.exportName);
      const build = await factory;
      const model = checkFactoryModel(await build(job.fold, setup.options), job.fold);
      const result = await runFold(model, x, y, job.fold, job.train, job.test, fitOptions(job.fit), setup.standardize);
      port.postMessage({ type: 'result', result } satisfies WorkerMessage);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      port.postMessage({
        type: 'error',
        fold: job.fold,
        name: e.name,
        message: e.message,
        stack: e.stack,
      } satisfies WorkerMessage);
    }
  })();
});
