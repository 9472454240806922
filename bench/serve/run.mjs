// bench:serve: single-row requests over HTTP on 127.0.0.1 with autocannon, at concurrency 1, 16 and 64,
// for the Fashion-MNIST MLP (784-256-128-10) and the bench:cnn CNN. Servers, each in its own process:
//   simdnn       simdnn serve (batching: max batch 64, max delay 2 ms), TF Serving JSON, v2 JSON, v2 binary
//   simdnn-mb1   simdnn serve --max-batch 1 (batching off), TF Serving JSON
//   floor        the same fastify route parsing the same body and answering a constant
//   onnxruntime  onnxruntime-node behind that route, one session.run per request
// Every run is bounded in time (SIMDNN_BENCH_SECONDS, default 3 s after 0.5 s of warm-up).
// Results: requests/s, p50 and p99 latency; bench/results/serve.{json,md}.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import * as nn from '../../dist/index.js';
import { cacheDir, loadPart, prepareFashionMnist } from '../lib/data.mjs';
import { cpuInfo, cpuLine } from '../lib/machine.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const seconds = Number(process.env.SIMDNN_BENCH_SECONDS ?? 3);
const CONCURRENCY = (process.env.SIMDNN_BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number);

function buildModels() {
  const mlp = nn.sequential([
    nn.layers.dense({ units: 256, inputDim: 784, activation: 'relu' }),
    nn.layers.dense({ units: 128, activation: 'relu' }),
    nn.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  mlp.build(784, 1);
  const cnn = nn.sequential([
    nn.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
    nn.layers.maxPooling2d({ poolSize: 2 }),
    nn.layers.flatten(),
    nn.layers.dense({ units: 128, activation: 'relu' }),
    nn.layers.dense({ units: 10, activation: 'softmax' }),
  ]);
  cnn.build([28, 28, 1], 1);
  return { mlp: { model: mlp, shape: [784] }, cnn: { model: cnn, shape: [28, 28, 1] } };
}

function startProcess(args) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve({ url: m[1], stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))) });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
  });
}

function load(url, requests, connections, duration) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration, requests, pipelining: 1, timeout: 30 }, (err, r) =>
      err ? reject(err) : resolve(r),
    );
  });
}

/** The request bodies: one per test image (a single row), cycled by autocannon. */
function bodies(images, count, shape, kind) {
  const size = 784;
  const out = [];
  for (let i = 0; i < count; i++) {
    const row = Array.from(images.subarray(i * size, (i + 1) * size));
    if (kind === 'v1') {
      out.push({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: [row] }),
      });
    } else if (kind === 'v2') {
      const body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, ...shape], datatype: 'FP32', data: row }] });
      out.push({ method: 'POST', headers: { 'content-type': 'application/json' }, body });
    } else {
      const head = Buffer.from(
        JSON.stringify({
          inputs: [
            { name: 'input', shape: [1, ...shape], datatype: 'FP32', parameters: { binary_data_size: size * 4 } },
          ],
          outputs: [{ name: 'output', parameters: { binary_data: true } }],
        }),
      );
      const x = images.slice(i * size, (i + 1) * size);
      out.push({
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(head.length) },
        body: Buffer.concat([head, Buffer.from(x.buffer)]),
      });
    }
  }
  return out;
}

const dir = join(cacheDir, 'serve');
mkdirSync(dir, { recursive: true });
const images = loadPart(prepareFashionMnist(), 'test', 64).x;
const models = buildModels();
const results = [];
for (const [name, { model, shape }] of Object.entries(models)) {
  const modelDir = join(dir, name);
  await model.save(join(modelDir, '1'));
  const onnxFile = join(dir, `${name}.onnx`);
  await model.exportOnnx(onnxFile);
  const cli = join(root, 'dist/cli/main.js');
  const peer = join(root, 'bench/serve/peer-server.mjs');
  const servers = [
    ['simdnn', [cli, 'serve', '--model', `${name}=${modelDir}`, '--port', '0'], ['v1', 'v2', 'v2-binary']],
    ['simdnn-mb1', [cli, 'serve', '--model', `${name}=${modelDir}`, '--port', '0', '--max-batch', '1'], ['v1']],
    ['floor', [peer, 'floor', '0', shape.join(',')], ['v1']],
    ['onnxruntime', [peer, 'ort', '0', shape.join(','), onnxFile], ['v1']],
  ];
  for (const [server, args, protocols] of servers) {
    const s = await startProcess(args);
    try {
      for (const protocol of protocols) {
        const path = protocol === 'v1' ? `/v1/models/${name}:predict` : `/v2/models/${name}/infer`;
        const reqs = bodies(images, 64, shape, protocol === 'v2-binary' ? 'bin' : protocol);
        for (const c of CONCURRENCY) {
          await load(`${s.url}${path}`, reqs, c, 0.5);
          const r = await load(`${s.url}${path}`, reqs, c, seconds);
          const bad = r.non2xx + r.errors + r.timeouts;
          const row = {
            model: name,
            server,
            protocol,
            concurrency: c,
            reqPerSec: r.requests.average,
            p50Ms: r.latency.p50,
            p99Ms: r.latency.p99,
            requests: r.requests.total,
            failed: bad,
          };
          results.push(row);
          console.log(JSON.stringify(row));
        }
      }
    } finally {
      await s.stop();
    }
  }
}

const cpu = cpuLine(cpuInfo());
const find = (m, s, p, c) =>
  results.find((r) => r.model === m && r.server === s && r.protocol === p && r.concurrency === c);
const lines = [
  `# bench:serve`,
  '',
  `CPU: ${cpu}. Node ${process.version}. autocannon on the same machine, 127.0.0.1, ${seconds} s per run after 0.5 s warm-up; single-row requests (one Fashion-MNIST test image each).`,
  '',
  '| model | server | protocol | conc | req/s | p50 ms | p99 ms | failed |',
  '|---|---|---|---:|---:|---:|---:|---:|',
  ...results.map(
    (r) =>
      `| ${r.model} | ${r.server} | ${r.protocol} | ${r.concurrency} | ${Math.round(r.reqPerSec)} | ${r.p50Ms} | ${r.p99Ms} | ${r.failed} |`,
  ),
  '',
  '| model (conc 64) | simdnn / floor req/s | simdnn / onnxruntime req/s | p99 simdnn / floor | batching gain (vs max-batch 1) | binary v2 / JSON v2 |',
  '|---|---:|---:|---:|---:|---:|',
];
for (const m of Object.keys(models)) {
  const c = 64;
  const s = find(m, 'simdnn', 'v1', c);
  const f = find(m, 'floor', 'v1', c);
  const o = find(m, 'onnxruntime', 'v1', c);
  const b1 = find(m, 'simdnn-mb1', 'v1', c);
  const v2 = find(m, 'simdnn', 'v2', c);
  const bin = find(m, 'simdnn', 'v2-binary', c);
  if (!s || !f || !o || !b1 || !v2 || !bin) continue;
  const r = (a, b) => (a / b).toFixed(2);
  lines.push(
    `| ${m} | ${r(s.reqPerSec, f.reqPerSec)} | ${r(s.reqPerSec, o.reqPerSec)} | ${r(s.p99Ms, f.p99Ms)} | ${r(s.reqPerSec, b1.reqPerSec)} | ${r(bin.reqPerSec, v2.reqPerSec)} |`,
  );
}
const resultsDir = join(root, 'bench/results');
writeFileSync(
  join(resultsDir, 'serve.json'),
  JSON.stringify({ cpu, node: process.version, seconds, results }, null, 1),
);
writeFileSync(join(resultsDir, 'serve.md'), lines.join('\n') + '\n');
console.log(lines.join('\n'));
