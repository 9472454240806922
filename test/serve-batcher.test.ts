// The serving batcher on its own, with a model whose predict takes a set time: which rows go into which
// predict call, and when a lone request starts without waiting maxDelayMs.
import { describe, expect, it } from 'vitest';
import { Batcher } from '../lib/serve/batcher.js';
import type { Servable } from '../lib/serve/servable.js';

/** A one-feature model answering 2 * x after `ms`, recording the rows of every call. */
function slowModel(ms: number) {
  const calls: number[][] = [];
  const model = {
    inputSize: 1,
    async predictRows(x: Float32Array, rows: number): Promise<Float32Array> {
      calls.push(Array.from(x.subarray(0, rows)));
      await new Promise((r) => setTimeout(r, ms));
      return x.slice(0, rows).map((v) => 2 * v);
    },
  };
  return { model: model as unknown as Servable, calls };
}

const row = (v: number) => Float32Array.of(v);

describe('Batcher', () => {
  it('gathers requests of the same turn into one call after maxDelayMs, each answered with its own rows', async () => {
    const { model, calls } = slowModel(1);
    const b = new Batcher(8, 20);
    const jobs = [1, 2, 3].map((v) => b.submit(model, row(v), 1).result);
    expect(calls).toEqual([]);
    expect(await Promise.all(jobs)).toEqual([Float32Array.of(2), Float32Array.of(4), Float32Array.of(6)]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('after a wait that brought no other request, starts the next lone request at once', async () => {
    const { model, calls } = slowModel(1);
    const b = new Batcher(8, 50);
    await b.submit(model, row(1), 1).result; // waited 50 ms alone
    const second = b.submit(model, row(2), 1).result;
    expect(calls).toEqual([[1], [2]]); // called inside submit, no wait
    expect(await second).toEqual(Float32Array.of(4));
  });

  it('while alone, requests that come during a running call share the next call', async () => {
    const { model, calls } = slowModel(30);
    const b = new Batcher(8, 50);
    await b.submit(model, row(1), 1).result;
    const a = b.submit(model, row(2), 1).result; // runs at once
    const c = b.submit(model, row(3), 1).result; // a call is running: queued
    const d = b.submit(model, row(4), 1).result;
    expect(await Promise.all([a, c, d])).toEqual([Float32Array.of(4), Float32Array.of(6), Float32Array.of(8)]);
    expect(calls).toEqual([[1], [2], [3, 4]]);
    // A request came while others were in the server: the batcher waits for company again.
    const e = b.submit(model, row(5), 1).result;
    expect(calls.length).toBe(3);
    await e;
    expect(calls.length).toBe(4);
  });

  it('waits for company again when a request comes while another is still arriving', async () => {
    const { model, calls } = slowModel(1);
    const b = new Batcher(8, 30);
    let arriving = 0;
    b.arriving = () => arriving;
    await b.submit(model, row(1), 1).result; // waited 30 ms alone
    arriving = 1; // another request is being received
    const second = b.submit(model, row(2), 1).result;
    expect(calls).toEqual([[1]]); // not alone any more: waits up to maxDelayMs
    arriving = 0;
    const third = b.submit(model, row(3), 1).result;
    expect(await Promise.all([second, third])).toEqual([Float32Array.of(4), Float32Array.of(6)]);
    expect(calls).toEqual([[1], [2, 3]]);
  });

  it('starts a batch at once when maxBatch rows wait', () => {
    const { model, calls } = slowModel(1);
    const b = new Batcher(4, 10_000);
    const jobs = [1, 2, 3].map((v) => b.submit(model, row(v), 1).result);
    expect(calls).toEqual([]);
    jobs.push(b.submit(model, row(4), 1).result);
    expect(calls).toEqual([[1, 2, 3, 4]]);
    return Promise.all(jobs);
  });
});
