// nn.serve over real HTTP on 127.0.0.1 (ephemeral ports): both protocols, dynamic batching checked row
// by row against model.predict, the bad-request table, the binary tensor extension, version hot-swap,
// metrics, close() with requests in flight, and the preprocessing.json of model folders.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { rng } from './helpers.js';

const FEATURES = 7;
const CLASSES = 3;

function mlp(seed: number): nn.Sequential {
  const m = nn.sequential([
    nn.layers.dense({ units: 16, inputDim: FEATURES, activation: 'relu' }),
    nn.layers.dense({ units: CLASSES, activation: 'softmax' }),
  ]);
  m.build(FEATURES, seed);
  return m;
}

function cnn(): nn.Sequential {
  const m = nn.sequential([
    nn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [5, 5, 2] }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 2, activation: 'softmax' }),
  ]);
  m.build([5, 5, 2], 3);
  return m;
}

const rand = rng(11);
const row = (n = FEATURES) => Array.from({ length: n }, () => Math.round(rand(-2, 2) * 1000) / 1000);

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(url, {
    method: 'POST',
    body:
      typeof body === 'string'
        ? body
        : body instanceof Uint8Array
          ? (body as unknown as BodyInit)
          : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, json: json as Record<string, unknown>, text, headers: r.headers };
}

function expectClose(got: number[], want: ArrayLike<number>) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5);
}

describe('nn.serve (one model)', () => {
  const model = mlp(1);
  let server: nn.ModelServer;
  let url: string;
  beforeAll(async () => {
    server = await nn.serve(model, { name: 'clf', port: 0, maxBatch: 32, maxDelayMs: 1 });
    url = server.url;
  });
  afterAll(() => server.close());

  it('answers the TF Serving predict endpoint with the model’s outputs, rows and columnar', async () => {
    const rows = [row(), row()];
    const want = model.predict(rows).data;
    const r = await post(`${url}/v1/models/clf:predict`, { instances: rows });
    expect(r.status).toBe(200);
    expectClose((r.json.predictions as number[][]).flat(), want);
    const c = await post(`${url}/v1/models/clf:predict`, { inputs: rows });
    expect(c.status).toBe(200);
    expectClose((c.json.outputs as number[][]).flat(), want);
    const named = await post(`${url}/v1/models/clf/versions/1:predict`, { instances: rows.map((r) => ({ x: r })) });
    expectClose((named.json.predictions as number[][]).flat(), want);
  });

  it('answers the status, metadata and health endpoints', async () => {
    const s = await (await fetch(`${url}/v1/models/clf`)).json();
    expect(s).toEqual({
      model_version_status: [{ version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }],
    });
    const meta = (await (await fetch(`${url}/v1/models/clf/metadata`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(meta)).toContain('"tensor_shape":[-1,7]');
    expect(await (await fetch(`${url}/v2/health/live`)).json()).toEqual({ live: true });
    expect(await (await fetch(`${url}/v2/health/ready`)).json()).toEqual({ ready: true });
    expect(await (await fetch(`${url}/v2/models/clf/ready`)).json()).toEqual({ name: 'clf', ready: true });
    expect(await (await fetch(`${url}/v2/models/clf`)).json()).toEqual({
      name: 'clf',
      versions: ['1'],
      platform: 'simdnn',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, FEATURES] }],
      outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, CLASSES] }],
    });
    expect(((await (await fetch(`${url}/v2`)).json()) as { extensions: string[] }).extensions).toContain(
      'binary_tensor_data',
    );
  });

  it('answers the v2 infer endpoint with flat and nested data', async () => {
    const rows = [row(), row(), row()];
    const want = model.predict(rows).data;
    const flat = await post(`${url}/v2/models/clf/infer`, {
      id: 'req-1',
      inputs: [{ name: 'input', shape: [3, FEATURES], datatype: 'FP32', data: rows.flat() }],
    });
    expect(flat.status).toBe(200);
    expect(flat.json.model_name).toBe('clf');
    expect(flat.json.model_version).toBe('1');
    expect(flat.json.id).toBe('req-1');
    const out = (flat.json.outputs as { name: string; shape: number[]; datatype: string; data: number[] }[])[0]!;
    expect(out.name).toBe('output');
    expect(out.datatype).toBe('FP32');
    expect(out.shape).toEqual([3, CLASSES]);
    expectClose(out.data, want);
    const nested = await post(`${url}/v2/models/clf/versions/1/infer`, {
      inputs: [{ name: 'input', shape: [3, FEATURES], datatype: 'FP32', data: rows }],
    });
    expectClose((nested.json.outputs as { data: number[] }[])[0]!.data, want);
  });

  it('answers binary tensor requests (Inference-Header-Content-Length) with JSON or binary outputs', async () => {
    const rows = [row(), row()];
    const want = model.predict(rows).data;
    const x = Float32Array.from(rows.flat());
    const makeBody = (outputs?: unknown) => {
      const head = Buffer.from(
        JSON.stringify({
          inputs: [
            { name: 'input', shape: [2, FEATURES], datatype: 'FP32', parameters: { binary_data_size: x.byteLength } },
          ],
          ...(outputs ? { outputs } : {}),
        }),
      );
      return { body: Buffer.concat([head, Buffer.from(x.buffer)]), length: String(head.length) };
    };
    const a = makeBody();
    const r = await post(`${url}/v2/models/clf/infer`, a.body, {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': a.length,
    });
    expect(r.status).toBe(200);
    expectClose((r.json.outputs as { data: number[] }[])[0]!.data, want);

    const b = makeBody([{ name: 'output', parameters: { binary_data: true } }]);
    const res = await fetch(`${url}/v2/models/clf/infer`, {
      method: 'POST',
      body: b.body as unknown as BodyInit,
      headers: { 'inference-header-content-length': b.length },
    });
    expect(res.status).toBe(200);
    const n = Number(res.headers.get('inference-header-content-length'));
    const bytes = Buffer.from(await res.arrayBuffer());
    const head = JSON.parse(bytes.subarray(0, n).toString()) as {
      outputs: { shape: number[]; parameters: { binary_data_size: number } }[];
    };
    expect(head.outputs[0]!.shape).toEqual([2, CLASSES]);
    expect(head.outputs[0]!.parameters.binary_data_size).toBe(2 * CLASSES * 4);
    const y = new Float32Array(bytes.buffer.slice(bytes.byteOffset + n, bytes.byteOffset + bytes.length));
    expectClose(Array.from(y), want);
  });

  it('batches 256 concurrent single-row requests and answers each with exactly its own row', async () => {
    const rows = Array.from({ length: 256 }, () => row());
    const want = rows.map((r) => model.predict([r]).data);
    const answers = await Promise.all(
      rows.map((r, i) =>
        i % 2 === 0
          ? post(`${url}/v1/models/clf:predict`, { instances: [r] }).then((a) => (a.json.predictions as number[][])[0]!)
          : post(`${url}/v2/models/clf/infer`, {
              inputs: [{ name: 'input', shape: [1, FEATURES], datatype: 'FP32', data: r }],
            }).then((a) => (a.json.outputs as { data: number[] }[])[0]!.data),
      ),
    );
    answers.forEach((a, i) => expectClose(a, want[i]!));
    const metrics = await (await fetch(`${url}/metrics`)).text();
    // Some predict calls held more than one row: the count of calls is below the requests'.
    const calls = Number(/simdnn_batch_rows_count\{model="clf"\} (\d+)/.exec(metrics)![1]);
    const rowsSum = Number(/simdnn_batch_rows_sum\{model="clf"\} (\d+)/.exec(metrics)![1]);
    expect(rowsSum).toBeGreaterThanOrEqual(256);
    expect(calls).toBeLessThan(rowsSum);
    expect(metrics).toMatch(/simdnn_requests_total\{model="clf",protocol="v1",status="200"\} \d+/);
    expect(metrics).toMatch(/simdnn_request_duration_seconds_bucket/);
    expect(metrics).toMatch(/simdnn_model_version\{model="clf"\} 1/);
  });

  it('splits a request larger than maxBatch over several predict calls', async () => {
    const rows = Array.from({ length: 75 }, () => row());
    const r = await post(`${url}/v1/models/clf:predict`, { instances: rows });
    expect(r.status).toBe(200);
    expectClose((r.json.predictions as number[][]).flat(), model.predict(rows).data);
  });

  const good = { name: 'input', shape: [1, FEATURES], datatype: 'FP32', data: row() };
  const table: [string, string, unknown, number, RegExp][] = [
    ['not JSON', '/v1/models/clf:predict', '{"instances": [1, 2', 400, /JSON body/],
    ['no instances', '/v1/models/clf:predict', { rows: [row()] }, 400, /"instances".*"inputs"/],
    [
      'wrong feature count',
      '/v1/models/clf:predict',
      { instances: [row(5)] },
      400,
      /7 numbers.*instances\[0\].*length 5/,
    ],
    [
      'non-number',
      '/v1/models/clf:predict',
      { instances: [[1, 2, 'x', 4, 5, 6, 7]] },
      400,
      /instances\[0\]\[2\].*string "x"/,
    ],
    [
      'null in a row',
      '/v1/models/clf:predict',
      { instances: [row(), [1, null, 3, 4, 5, 6, 7]] },
      400,
      /instances\[1\]\[1\].*null/,
    ],
    ['empty instances', '/v1/models/clf:predict', { instances: [] }, 400, /instances/],
    [
      'overflowing number',
      '/v1/models/clf:predict',
      '{"instances": [[1e999, 1, 1, 1, 1, 1, 1]]}',
      400,
      /finite number.*Infinity/,
    ],
    ['v2 without inputs', '/v2/models/clf/infer', { outputs: [] }, 400, /inputs/],
    ['v2 wrong datatype', '/v2/models/clf/infer', { inputs: [{ ...good, datatype: 'INT32' }] }, 400, /"FP32".*"INT32"/],
    [
      'v2 wrong shape',
      '/v2/models/clf/infer',
      { inputs: [{ ...good, shape: [1, 6] }] },
      400,
      /shape \[n, 7\].*\[1, 6\]/,
    ],
    [
      'v2 shape/data mismatch',
      '/v2/models/clf/infer',
      { inputs: [{ ...good, shape: [2, FEATURES] }] },
      400,
      /14 numbers.*received 7/,
    ],
    [
      'v2 non-number data',
      '/v2/models/clf/infer',
      { inputs: [{ ...good, data: [1, 2, 3, true, 5, 6, 7] }] },
      400,
      /data\[3\].*true/,
    ],
    ['v2 shape not integers', '/v2/models/clf/infer', { inputs: [{ ...good, shape: [1, 'a'] }] }, 400, /shape/],
    ['v2 unknown input name', '/v2/models/clf/infer', { inputs: [{ ...good, name: 'x' }] }, 400, /"input".*"x"/],
    ['v2 unknown output', '/v2/models/clf/infer', { inputs: [good], outputs: [{ name: 'y' }] }, 400, /"output".*"y"/],
    ['v2 no data', '/v2/models/clf/infer', { inputs: [{ ...good, data: undefined }] }, 400, /data/],
    ['unknown model v1', '/v1/models/nope:predict', { instances: [row()] }, 404, /"clf".*"nope"/],
    ['unknown model v2', '/v2/models/nope/infer', { inputs: [good] }, 404, /"clf".*"nope"/],
    ['unknown version', '/v2/models/clf/versions/7/infer', { inputs: [good] }, 404, /version.*"7"/],
    ['unknown route', '/v3/whatever', {}, 404, /No route/],
  ];
  it.each(table)(
    'answers a bad request (%s) with its status and an error naming it',
    async (_c, path, body, status, msg) => {
      const r = await post(`${url}${path}`, body);
      expect(r.status).toBe(status);
      expect(typeof r.json.error).toBe('string');
      expect(r.json.error).toMatch(msg);
    },
  );

  it('answers binary requests with bad sizes 400', async () => {
    const x = new Float32Array(FEATURES);
    const head = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'input', shape: [1, FEATURES], datatype: 'FP32', parameters: { binary_data_size: 8 } }],
      }),
    );
    const r = await post(`${url}/v2/models/clf/infer`, Buffer.concat([head, Buffer.from(x.buffer)]), {
      'inference-header-content-length': String(head.length),
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/28 bytes.*binary_data_size.*8/);
    const long = await post(`${url}/v2/models/clf/infer`, head, { 'inference-header-content-length': '99999' });
    expect(long.status).toBe(400);
    expect(long.json.error).toMatch(/Inference-Header-Content-Length/);
  });

  it('answers a wrong method 405 with Allow', async () => {
    for (const [method, path, allow] of [
      ['GET', '/v1/models/clf:predict', 'POST'],
      ['DELETE', '/v1/models/clf', 'GET, HEAD'],
      ['POST', '/v2/health/live', 'GET, HEAD'],
      ['GET', '/v2/models/clf/infer', 'POST'],
      ['PUT', '/metrics', 'GET, HEAD'],
    ] as const) {
      const r = await fetch(`${url}${path}`, { method });
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(r.headers.get('allow')).toBe(allow);
      expect(((await r.json()) as { error: string }).error).toMatch(new RegExp(`method ${allow.split(',')[0]}`));
    }
  });

  it('still answers correctly after all the bad requests', async () => {
    const r = row();
    const a = await post(`${url}/v1/models/clf:predict`, { instances: [r] });
    expectClose((a.json.predictions as number[][])[0]!, model.predict([r]).data);
  });
});

describe('nn.serve (limits, several models, versions, closing)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'simdnn-serve-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers a body over the limit 413 and keeps serving', async () => {
    const model = mlp(2);
    const server = await nn.serve(model, { port: 0, bodyLimit: 4096 });
    try {
      const big = { instances: Array.from({ length: 200 }, () => row()) };
      const r = await post(`${server.url}/v1/models/model:predict`, big);
      expect(r.status).toBe(413);
      expect(r.json.error).toMatch(/larger than the limit of 4096 bytes/);
      const ok = await post(`${server.url}/v1/models/model:predict`, { instances: [row()] });
      expect(ok.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('answers 504 when the model does not answer within timeoutMs', async () => {
    const slow: nn.ServableModel = {
      inputShape: [2],
      outputShape: [1],
      predictAsync: () => new Promise(() => {}),
    };
    const server = await nn.serve(slow, { port: 0, timeoutMs: 50, name: 'slow' });
    try {
      const r = await post(`${server.url}/v1/models/slow:predict`, { instances: [[1, 2]] });
      expect(r.status).toBe(504);
      expect(r.json.error).toMatch(/timeout of 50 ms/);
    } finally {
      await server.close();
    }
  });

  it('answers 500 when the model fails, and logs the failure', async () => {
    const broken: nn.ServableModel = {
      inputShape: [2],
      outputShape: [1],
      predictAsync: () => Promise.reject(new Error('the weights are gone')),
    };
    const logs: string[] = [];
    const server = await nn.serve(broken, { port: 0, name: 'broken', log: (m) => logs.push(m) });
    try {
      const r = await post(`${server.url}/v1/models/broken:predict?x=1`, { instances: [[1, 2]] });
      expect(r.status).toBe(500);
      expect(r.json).toEqual({ error: 'the weights are gone' });
      expect(logs).toEqual(['POST /v1/models/broken:predict answered 500: the weights are gone']);
    } finally {
      await server.close();
    }
  });

  it('runs requests that come one at a time at once after one wait of maxDelayMs, and answers concurrent ones after', async () => {
    const a = mlp(5);
    const server = await nn.serve(a, { name: 'a', port: 0, maxBatch: 64, maxDelayMs: 2000 });
    try {
      const t0 = performance.now();
      for (let i = 0; i < 3; i++)
        expect((await post(`${server.url}/v1/models/a:predict`, { instances: [row()] })).status).toBe(200);
      // Three requests one after the other: the first waits 2 s for company; waiting for each would take 6 s.
      expect(performance.now() - t0).toBeLessThan(4000);
      const rows = Array.from({ length: 64 }, () => row());
      const answers = await Promise.all(rows.map((r) => post(`${server.url}/v1/models/a:predict`, { instances: [r] })));
      answers.forEach((r, i) => expectClose((r.json.predictions as number[][])[0]!, a.predict([rows[i]!]).data));
    } finally {
      await server.close();
    }
  });

  it('serves several models, a CNN with nested samples among them', async () => {
    const a = mlp(3);
    const c = cnn();
    const server = await nn.serve({ a, c }, { port: 0 });
    try {
      const img = Array.from({ length: 5 }, () => Array.from({ length: 5 }, () => row(2)));
      const want = c.predict(img.flat(2)).data;
      const r = await post(`${server.url}/v1/models/c:predict`, { instances: [img] });
      expect(r.status).toBe(200);
      expectClose((r.json.predictions as number[][])[0]!, want);
      const v2 = await post(`${server.url}/v2/models/c/infer`, {
        inputs: [{ name: 'input', shape: [1, 5, 5, 2], datatype: 'FP32', data: img.flat(2) }],
      });
      expectClose((v2.json.outputs as { data: number[] }[])[0]!.data, want);
      const bad = await post(`${server.url}/v1/models/c:predict`, { instances: [[img[0]]] });
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatch(/shape \[5, 5, 2\]/);
      const m = (await (await fetch(`${server.url}/v2/models/c`)).json()) as { inputs: { shape: number[] }[] };
      expect(m.inputs[0]!.shape).toEqual([-1, 5, 5, 2]);
      const ra = await post(`${server.url}/v1/models/a:predict`, { instances: [row()] });
      expect(ra.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('serves the highest version folder and picks up a new one without a restart', async () => {
    const root = join(dir, 'versions');
    const v1 = mlp(4);
    const v2 = mlp(5);
    await v1.save(join(root, '1'));
    const server = await nn.serve(root, { port: 0, pollMs: 0 });
    try {
      expect(server.models).toEqual(['versions']);
      const r = row();
      const before = await post(`${server.url}/v2/models/versions/infer`, {
        inputs: [{ name: 'input', shape: [1, FEATURES], datatype: 'FP32', data: r }],
      });
      expect(before.json.model_version).toBe('1');
      expectClose((before.json.outputs as { data: number[] }[])[0]!.data, v1.predict([r]).data);
      await v2.save(join(root, '2'));
      await server.poll();
      const after = await post(`${server.url}/v2/models/versions/infer`, {
        inputs: [{ name: 'input', shape: [1, FEATURES], datatype: 'FP32', data: r }],
      });
      expect(after.json.model_version).toBe('2');
      expectClose((after.json.outputs as { data: number[] }[])[0]!.data, v2.predict([r]).data);
      const s = await (await fetch(`${server.url}/v1/models/versions`)).json();
      expect((s as { model_version_status: { version: string }[] }).model_version_status[0]!.version).toBe('2');
      const old = await post(`${server.url}/v2/models/versions/versions/1/infer`, {
        inputs: [{ name: 'input', shape: [1, FEATURES], datatype: 'FP32', data: r }],
      });
      expect(old.status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('close() answers the requests in flight, then refuses connections', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const inner = mlp(6);
    const gated: nn.ServableModel = {
      inputShape: [FEATURES],
      outputShape: [CLASSES],
      predictAsync: async (x) => {
        await gate;
        return inner.predictAsync(x);
      },
    };
    const server = await nn.serve(gated, { port: 0, name: 'g' });
    const rows = Array.from({ length: 5 }, () => row());
    const pending = rows.map((r) => post(`${server.url}/v1/models/g:predict`, { instances: [r] }));
    await new Promise((r) => setTimeout(r, 100));
    const closing = server.close();
    release();
    const answers = await Promise.all(pending);
    await closing;
    answers.forEach((a, i) => {
      expect(a.status).toBe(200);
      expectClose((a.json.predictions as number[][])[0]!, inner.predict([rows[i]!]).data);
    });
    await expect(fetch(`${server.url}/v2/health/live`)).rejects.toThrow();
  });

  it('rejects bad options with errors naming them', async () => {
    await expect(nn.serve(mlp(1), { maxBatch: 0 })).rejects.toThrow(/options\.maxBatch/);
    await expect(nn.serve(mlp(1), { port: 70000 })).rejects.toThrow(/options\.port/);
    await expect(nn.serve(mlp(1), { bogus: 1 } as never)).rejects.toThrow(/bogus/);
    await expect(nn.serve(42)).rejects.toThrow(/modelOrDir/);
    await expect(nn.serve(join(dir, 'missing'))).rejects.toThrow(/not a folder/);
  });
});

describe('nn.serve (preprocessing.json of model folders)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'simdnn-serve-pre-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Raw feature rows far from standardized (means 50, spreads ~10), as a CSV would hold them. */
  const rawRow = () => Array.from({ length: FEATURES }, (_, j) => Math.round((50 + j + rand(-10, 10)) * 100) / 100);

  /** A scaler fitted on raw rows, and preprocessing.json as simdnn train writes it. */
  function preprocessing(task: 'classification' | 'regression', target: Record<string, unknown> = {}) {
    const scaler = new nn.data.StandardScaler().fit(Array.from({ length: 40 }, rawRow));
    const json = {
      format: 'simdnn-preprocessing',
      version: 1,
      task,
      featureNames: Array.from({ length: FEATURES }, (_, j) => `f${j}`),
      scaler: scaler.toJSON(),
      target,
      training: {},
    };
    return { scaler, json };
  }

  const infer = async (url: string, name: string, rows: number[][]) => {
    const r = await post(`${url}/v2/models/${name}/infer`, {
      inputs: [{ name: 'input', shape: [rows.length, FEATURES], datatype: 'FP32', data: rows.flat() }],
    });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return r.json as { model_version: string; outputs: { data: number[] }[] };
  };

  it('standardizes raw rows with each version folder’s own preprocessing.json, and leaves model objects alone', async () => {
    const root = join(dir, 'clf');
    const v1 = mlp(7);
    const v2 = mlp(8);
    const p1 = preprocessing('classification', { classNames: ['a', 'b', 'c'] });
    const p2 = preprocessing('classification');
    await v1.save(join(root, '1'));
    writeFileSync(join(root, '1', 'preprocessing.json'), JSON.stringify(p1.json));
    const logs: string[] = [];
    const server = await nn.serve({ clf: root, plain: v1 }, { port: 0, pollMs: 0, log: (m) => logs.push(m) });
    try {
      const rows = [rawRow(), rawRow(), rawRow()];
      const want1 = v1.predict(p1.scaler.transform(rows)).data;
      const a = await infer(server.url, 'clf', rows);
      expect(a.model_version).toBe('1');
      expectClose(a.outputs[0]!.data, want1);
      // The TF Serving endpoint too, and the answer differs from the model run on the raw rows.
      const b = await post(`${server.url}/v1/models/clf:predict`, { instances: rows });
      expectClose((b.json.predictions as number[][]).flat(), want1);
      const raw = v1.predict(rows).data;
      expect(Math.max(...want1.map((w, i) => Math.abs(w - raw[i]!)))).toBeGreaterThan(1e-3);
      // A model object is served as it is.
      expectClose((await infer(server.url, 'plain', rows)).outputs[0]!.data, raw);
      expect(logs.join('\n')).toMatch(/clf: version 1 standardizes its inputs with .*1[/\\]preprocessing\.json/);

      // Version 2 comes with its own statistics, and they replace version 1's. Picked up before its
      // preprocessing.json was written (simdnn train writes it after the model), it is loaded again with it.
      await v2.save(join(root, '2'));
      await server.poll();
      const early = await infer(server.url, 'clf', rows);
      expect(early.model_version).toBe('2');
      expectClose(early.outputs[0]!.data, v2.predict(rows).data);
      writeFileSync(join(root, '2', 'preprocessing.json'), JSON.stringify(p2.json));
      await server.poll();
      const c = await infer(server.url, 'clf', rows);
      expect(c.model_version).toBe('2');
      expectClose(c.outputs[0]!.data, v2.predict(p2.scaler.transform(rows)).data);
      expect(logs.join('\n')).toMatch(/clf: serving version 2 \(its files changed\)/);
      // Nothing changed since: no reload.
      const count = logs.length;
      await server.poll();
      expect(logs.length).toBe(count);
    } finally {
      await server.close();
    }
  });

  it('maps a regression model’s outputs back to the target’s units (output * std + mean), as simdnn predict does', async () => {
    const folder = join(dir, 'reg');
    const m = nn.sequential([
      nn.layers.dense({ units: 8, inputDim: FEATURES, activation: 'tanh' }),
      nn.layers.dense({ units: 1 }),
    ]);
    m.build(FEATURES, 9);
    await m.save(folder);
    const p = preprocessing('regression', { name: 'y', mean: 120.5, std: 7.25 });
    writeFileSync(join(folder, 'preprocessing.json'), JSON.stringify(p.json));
    const server = await nn.serve(folder, { port: 0 });
    try {
      const rows = [rawRow(), rawRow()];
      const out = m.predict(p.scaler.transform(rows)).data;
      const want = Array.from(out, (v) => v * 7.25 + 120.5);
      const r = await post(`${server.url}/v1/models/reg:predict`, { instances: rows });
      expect(r.status).toBe(200);
      const got = (r.json.predictions as number[][]).flat();
      got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThan(1e-4));
    } finally {
      await server.close();
    }
  });

  it('applies the preprocessing.json of a quantized model folder', async () => {
    const folder = join(dir, 'int8');
    const m = mlp(10);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const p = preprocessing('classification');
    const calibration = p.scaler.transform(Array.from({ length: 64 }, rawRow));
    const q = await m.quantize({ calibration });
    await q.save(folder);
    writeFileSync(join(folder, 'preprocessing.json'), JSON.stringify(p.json));
    const server = await nn.serve(folder, { port: 0 });
    try {
      const rows = [rawRow(), rawRow(), rawRow(), rawRow()];
      const a = await infer(server.url, 'int8', rows);
      expectClose(a.outputs[0]!.data, q.predict(p.scaler.transform(rows)).data);
    } finally {
      await server.close();
    }
  });

  it('refuses a preprocessing.json that does not fit the model, naming the file', async () => {
    const folder = join(dir, 'misfit');
    await mlp(11).save(folder);
    const p = preprocessing('classification');
    writeFileSync(
      join(folder, 'preprocessing.json'),
      JSON.stringify({ ...p.json, scaler: { ...p.json.scaler, mean: [0, 0, 0], std: [1, 1, 1] } }),
    );
    await expect(nn.serve(folder, { port: 0 })).rejects.toThrow(
      /misfit[/\\]preprocessing\.json does not fit the model, whose samples have shape \[7\] \(7 features\).*3 feature columns/,
    );
    writeFileSync(join(folder, 'preprocessing.json'), '{"format": "something else"}');
    await expect(nn.serve(folder, { port: 0 })).rejects.toThrow(/preprocessing\.json is not a preprocessing file/);
  });
});

describe('nn.serve (/metrics of a cluster worker)', () => {
  it('answers 503 with a JSON error when the aggregated metrics cannot be gathered', async () => {
    let fail = true;
    const used: unknown[] = [];
    const server = await nn.serve(mlp(12), {
      port: 0,
      clusterMetrics: {
        use: (registry) => used.push(registry),
        scrape: () =>
          fail
            ? Promise.reject(new Error('the primary process did not answer within 8000 ms'))
            : Promise.resolve('simdnn_requests_total 42\n'),
      },
    });
    try {
      expect(used).toHaveLength(1);
      const r = await fetch(`${server.url}/metrics`);
      expect(r.status).toBe(503);
      expect(await r.json()).toEqual({
        error: 'Cannot gather the metrics of every worker: the primary process did not answer within 8000 ms',
      });
      fail = false;
      const ok = await fetch(`${server.url}/metrics`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await ok.text()).toBe('simdnn_requests_total 42\n');
    } finally {
      await server.close();
    }
  });
});
