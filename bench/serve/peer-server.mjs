// The comparison servers of bench:serve, on the same fastify route and body handling as simdnn serve:
// `floor` parses the JSON body into a Float32Array and answers a constant; `ort` runs the request's rows
// with onnxruntime-node (one session.run per request; intraOpNumThreads as given, default the machine's cores).
// argv: kind (floor|ort) port inputShape(comma-separated) [onnxFile] [threads (default: the cores)]
import os from 'node:os';
import Fastify from 'fastify';
import { readSamples } from '../../dist/serve/rows.js';
import { requirePeer } from '../lib/peers.mjs';

const [kind, port, shapeText, onnxFile, threadsText] = process.argv.slice(2);
const shape = shapeText.split(',').map(Number);
const size = shape.reduce((a, b) => a * b, 1);
let run;
if (kind === 'ort') {
  const ort = requirePeer('onnxruntime-node');
  const session = await ort.InferenceSession.create(onnxFile, {
    intraOpNumThreads: Number(threadsText ?? os.availableParallelism()),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const inName = session.inputNames[0];
  const outName = session.outputNames[0];
  run = async (x, rows) =>
    (await session.run({ [inName]: new ort.Tensor('float32', x, [rows, ...shape]) }))[outName].data;
}
const constant = { predictions: [[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]] };
const app = Fastify({ bodyLimit: 16 << 20 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => {
  try {
    done(null, JSON.parse(body.toString('utf8')));
  } catch (e) {
    done(e);
  }
});
app.post(
  '/v1/models/*',
  {
    schema: {
      body: { type: 'object', properties: { instances: { type: 'array', minItems: 1 } }, required: ['instances'] },
    },
  },
  async (request) => {
    const list = request.body.instances;
    const x = readSamples(list, shape, size, 'instances');
    if (!run) return constant;
    const rows = list.length;
    const y = await run(x, rows);
    const per = y.length / rows;
    return { predictions: Array.from({ length: rows }, (_, r) => Array.from(y.subarray(r * per, (r + 1) * per))) };
  },
);
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.stdout.write(`listening on http://127.0.0.1:${app.server.address().port}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
