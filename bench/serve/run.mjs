// bench:serve: single-row requests over HTTP on 127.0.0.1 with autocannon, at concurrency 1, 16 and 64,
// for the Fashion-MNIST MLP (784-256-128-10) and the bench:cnn CNN. Servers, each in its own process:
//   simdnn       simdnn serve (batching: max batch 64, max delay 2 ms), TF Serving JSON, v2 JSON, v2 binary
//   simdnn-mb1   simdnn serve --max-batch 1 (batching off), TF Serving JSON
//   floor        the same fastify route parsing the same body and answering a constant
//   onnxruntime  onnxruntime-node behind that route, one session.run per request
// All four servers of a model run at once (idle ones cost nothing); each round measures every configuration
// (server, protocol, concurrency) once, in an order rotated from round to round, so that a slow phase of this
// shared machine hits them alike. Figures are medians over the rounds (SIMDNN_BENCH_ROUNDS, default 5); the
// ratios are medians of the per-round ratios (paired). Every run is bounded in time (SIMDNN_BENCH_SECONDS,
// default 3 s after 0.5 s of warm-up), and goes to 127.0.0.1 only.
// Results: requests/s, p50 and p99 latency; bench/results/serve.{json,md}.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import * as nn from '../../dist/index.js';
import { cacheDir, loadPart, prepareFashionMnist } from '../lib/data.mjs';
import { cpuInfo, cpuLine } from '../lib/machine.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const seconds = Number(process.env.SIMDNN_BENCH_SECONDS ?? 3);
const rounds = Number(process.env.SIMDNN_BENCH_ROUNDS ?? 5);
/** Compute threads of the simdnn servers (--threads) and of onnxruntime (intraOpNumThreads); default: the cores. */
const threads = Number(process.env.SIMDNN_BENCH_THREADS ?? os.availableParallelism());
const onlyModels = process.env.SIMDNN_BENCH_MODELS?.split(',');
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
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** Per configuration: the values of every round. */
const runs = new Map();
const key = (m, s, p, c) => `${m}|${s}|${p}|${c}`;
for (const [name, { model, shape }] of Object.entries(models)) {
  if (onlyModels && !onlyModels.includes(name)) continue;
  const modelDir = join(dir, name);
  await model.save(join(modelDir, '1'));
  const onnxFile = join(dir, `${name}.onnx`);
  await model.exportOnnx(onnxFile);
  const cli = join(root, 'dist/cli/main.js');
  const peer = join(root, 'bench/serve/peer-server.mjs');
  const servers = [
    [
      'simdnn',
      [cli, 'serve', '--model', `${name}=${modelDir}`, '--port', '0', '--threads', String(threads)],
      ['v1', 'v2', 'v2-binary'],
    ],
    [
      'simdnn-mb1',
      [cli, 'serve', '--model', `${name}=${modelDir}`, '--port', '0', '--max-batch', '1', '--threads', String(threads)],
      ['v1'],
    ],
    ['floor', [peer, 'floor', '0', shape.join(',')], ['v1']],
    ['onnxruntime', [peer, 'ort', '0', shape.join(','), onnxFile, String(threads)], ['v1']],
  ];
  const started = [];
  try {
    for (const [server, args] of servers) started.push({ server, ...(await startProcess(args)) });
    const configs = [];
    for (const [i, [server, , protocols]] of servers.entries())
      for (const protocol of protocols)
        for (const c of CONCURRENCY) {
          const path = protocol === 'v1' ? `/v1/models/${name}:predict` : `/v2/models/${name}/infer`;
          const reqs = bodies(images, 64, shape, protocol === 'v2-binary' ? 'bin' : protocol);
          configs.push({ server, protocol, c, url: `${started[i].url}${path}`, reqs });
        }
    for (let round = 0; round < rounds; round++) {
      const shift = (round * Math.ceil(configs.length / rounds)) % configs.length;
      for (const cfg of [...configs.slice(shift), ...configs.slice(0, shift)]) {
        await load(cfg.url, cfg.reqs, cfg.c, 0.5);
        const r = await load(cfg.url, cfg.reqs, cfg.c, seconds);
        const row = {
          model: name,
          server: cfg.server,
          protocol: cfg.protocol,
          concurrency: cfg.c,
          round,
          reqPerSec: r.requests.total / seconds,
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          requests: r.requests.total,
          failed: r.non2xx + r.errors + r.timeouts,
        };
        const k = key(name, cfg.server, cfg.protocol, cfg.c);
        if (!runs.has(k)) runs.set(k, []);
        runs.get(k).push(row);
        console.log(JSON.stringify(row));
      }
    }
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}

const results = [...runs.values()].map((rs) => ({
  model: rs[0].model,
  server: rs[0].server,
  protocol: rs[0].protocol,
  concurrency: rs[0].concurrency,
  reqPerSec: median(rs.map((r) => r.reqPerSec)),
  reqPerSecMin: Math.min(...rs.map((r) => r.reqPerSec)),
  reqPerSecMax: Math.max(...rs.map((r) => r.reqPerSec)),
  p50Ms: median(rs.map((r) => r.p50Ms)),
  p99Ms: median(rs.map((r) => r.p99Ms)),
  requests: rs.reduce((a, r) => a + r.requests, 0),
  failed: rs.reduce((a, r) => a + r.failed, 0),
  rounds: rs.length,
}));
/** The median over rounds of a / b, the two configurations' runs of the same round paired. */
const paired = (a, b, field) => {
  const ra = runs.get(a);
  const rb = runs.get(b);
  if (!ra || !rb) return null;
  return median(ra.map((r, i) => r[field] / rb[i][field]));
};

const cpu = cpuLine(cpuInfo());
const lines = [
  `# bench:serve`,
  '',
  `CPU: ${cpu}. Node ${process.version}. autocannon in the benchmark's process on the same machine, 127.0.0.1; all servers of a model running at once, each configuration measured ${seconds} s after 0.5 s of warm-up in each of ${rounds} rounds (order rotated per round); medians over the rounds (min–max of req/s in brackets). Compute threads: ${threads} for simdnn (--threads) and onnxruntime (intraOpNumThreads). Single-row requests (one Fashion-MNIST test image each, 64 different bodies cycled).`,
  '',
  '| model | server | protocol | conc | req/s (min–max) | p50 ms | p99 ms | failed |',
  '|---|---|---|---:|---:|---:|---:|---:|',
  ...results.map(
    (r) =>
      `| ${r.model} | ${r.server} | ${r.protocol} | ${r.concurrency} | ${Math.round(r.reqPerSec)} (${Math.round(r.reqPerSecMin)}–${Math.round(r.reqPerSecMax)}) | ${r.p50Ms} | ${r.p99Ms} | ${r.failed} |`,
  ),
  '',
  `Ratios at concurrency ${Math.max(...CONCURRENCY)}, each the median over rounds of the ratio within a round (simdnn: TF Serving JSON, batching on):`,
  '',
  '| model | simdnn / floor req/s | simdnn / onnxruntime req/s | p99 simdnn / floor | batching gain (vs max-batch 1) | binary v2 / JSON v2 |',
  '|---|---:|---:|---:|---:|---:|',
];
const summary = [];
for (const m of Object.keys(models)) {
  const c = Math.max(...CONCURRENCY);
  const s = key(m, 'simdnn', 'v1', c);
  const ratios = {
    model: m,
    vsFloor: paired(s, key(m, 'floor', 'v1', c), 'reqPerSec'),
    vsOnnxruntime: paired(s, key(m, 'onnxruntime', 'v1', c), 'reqPerSec'),
    p99VsFloor: paired(s, key(m, 'floor', 'v1', c), 'p99Ms'),
    batchingGain: paired(s, key(m, 'simdnn-mb1', 'v1', c), 'reqPerSec'),
    binaryGain: paired(key(m, 'simdnn', 'v2-binary', c), key(m, 'simdnn', 'v2', c), 'reqPerSec'),
  };
  if (Object.values(ratios).some((v) => v === null)) continue;
  summary.push(ratios);
  const f = (v) => v.toFixed(2);
  lines.push(
    `| ${m} | ${f(ratios.vsFloor)} | ${f(ratios.vsOnnxruntime)} | ${f(ratios.p99VsFloor)} | ${f(ratios.batchingGain)} | ${f(ratios.binaryGain)} |`,
  );
}
const resultsDir = process.env.SIMDNN_BENCH_OUT ?? join(root, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  join(resultsDir, 'serve.json'),
  JSON.stringify(
    { cpu, node: process.version, seconds, rounds, results, summary, runs: [...runs.values()].flat() },
    null,
    1,
  ),
);
writeFileSync(join(resultsDir, 'serve.md'), lines.join('\n') + '\n');
console.log(lines.join('\n'));
