/**
 * The HTTP side: a fastify app with TF Serving's REST API (/v1), the Open Inference Protocol (/v2,
 * including the binary tensor extension) and /metrics (under --workers, every worker's, aggregated).
 * Bodies are validated with JSON schemas, then their tensors are read against the model's input shape;
 * every mistake is a 4xx with {"error": "..."}.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ServerMetrics } from './metrics.js';
import type { ModelEntry } from './repository.js';
import { HttpError, badRequest, float32Bytes, outputRows, readFlat, readFloat32Bytes, readSamples } from './rows.js';
import type { Servable } from './servable.js';

export interface AppOptions {
  models: Map<string, ModelEntry>;
  metrics: ServerMetrics;
  bodyLimit: number;
  timeoutMs: number;
  /** Sent as x-simdnn-worker on every response when set (the cluster worker's id). */
  workerId?: string;
  /** Receives a line for every request answered 500 (a model or server failure). */
  log?: (message: string) => void;
  /** Answers /metrics instead of the local registry (a cluster worker: every worker's metrics, aggregated). */
  scrape?: () => Promise<string>;
}

const INPUT = 'input';
const OUTPUT = 'output';
const BINARY_HEADER = 'inference-header-content-length';
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** The binary part of a request body that had an Inference-Header-Content-Length header. */
const binaryParts = new WeakMap<FastifyRequest, Buffer>();

const v1Schema = {
  type: 'object',
  properties: {
    signature_name: { type: 'string' },
    instances: { type: 'array', minItems: 1 },
    inputs: {},
  },
} as const;

const v2Schema = {
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string' },
    parameters: { type: 'object' },
    inputs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'shape', 'datatype'],
        properties: {
          name: { type: 'string' },
          shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
          datatype: { type: 'string' },
          parameters: { type: 'object' },
          data: { type: 'array' },
        },
      },
    },
    outputs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' }, parameters: { type: 'object' } },
      },
    },
  },
} as const;

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

export function buildApp(o: AppOptions): FastifyInstance & { closing: boolean } {
  const app = Fastify({
    bodyLimit: o.bodyLimit,
    requestTimeout: o.timeoutMs,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { allErrors: false, coerceTypes: false } },
  }) as unknown as FastifyInstance & { closing: boolean };
  app.closing = false;

  // One parser for every content type: JSON, or with Inference-Header-Content-Length, a JSON header
  // followed by raw tensor bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    const buf = body as Buffer;
    const raw = request.headers[BINARY_HEADER];
    let end = buf.length;
    if (raw !== undefined) {
      const n = Number(raw);
      if (!/^\d+$/.test(String(raw)) || n > buf.length)
        return done(
          badRequest(
            `Expected an integer from 0 to the body's ${buf.length} bytes for the Inference-Header-Content-Length header, but received ${JSON.stringify(raw)}`,
          ),
        );
      end = n;
      binaryParts.set(request, buf.subarray(n));
    }
    try {
      done(null, JSON.parse(buf.toString('utf8', 0, end)));
    } catch (e) {
      done(badRequest(`Expected a JSON body, but it does not parse: ${(e as Error).message}`));
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
    let status = 500;
    let message = err.message;
    if (err instanceof HttpError) status = err.status;
    else if (err.validation) {
      status = 400;
      message = `Invalid request body: ${err.message}`;
    } else if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) status = err.statusCode;
    if (status === 413) message = `The request body is larger than the limit of ${o.bodyLimit} bytes`;
    // The app has no logger of its own: a failure of the server or the model goes to the log option.
    if (status === 500)
      o.log?.(
        `${request.method} ${request.url.split('?')[0]} answered 500: ${process.env.SIMDNN_DEBUG === '1' ? (err.stack ?? err.message) : err.message}`,
      );
    void reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `No route ${request.method} ${request.url.split('?')[0]}` });
  });
  // Inference requests received but not yet queued (their bodies are being read, parsed and checked): while
  // there are some, the batcher does not treat a request as alone (see batcher.ts).
  const arriving = new WeakSet<FastifyRequest>();
  let arrivingCount = 0;
  for (const e of o.models.values()) e.batcher.arriving = () => arrivingCount;
  /** The request is no longer on its way (its rows are being queued, or it was answered without). */
  const arrived = (request: FastifyRequest) => {
    if (arriving.delete(request)) arrivingCount--;
  };
  app.addHook('onRequest', async (request) => {
    if (request.method === 'POST' && /(?::predict|\/infer)(?:\?|$)/.test(request.url)) {
      arriving.add(request);
      arrivingCount++;
    }
  });
  app.addHook('onResponse', async (request) => arrived(request));
  app.addHook('onRequestAbort', async (request) => arrived(request));
  app.addHook('onSend', async (_request, reply, payload) => {
    if (o.workerId !== undefined) void reply.header('x-simdnn-worker', o.workerId);
    // While closing, every answered connection is closed, so that close() does not wait for keep-alive ones.
    if (app.closing) void reply.header('connection', 'close');
    if (reply.statusCode >= 400) o.metrics.errors.inc({ status: String(reply.statusCode) });
    return payload;
  });

  /** Registers `handler` for `method` at `url`, and 405 for every other method. */
  const route = (
    method: 'GET' | 'POST',
    url: string,
    handler: (request: FastifyRequest, reply: FastifyReply) => unknown,
    schema?: object,
  ) => {
    app.route({ method, url, handler, ...(schema ? { schema: { body: schema } } : {}) });
    const others = METHODS.filter((m) => m !== method && !(method === 'GET' && m === 'OPTIONS' && false));
    app.route({
      method: [...others],
      url,
      handler: (request, reply) => {
        void reply
          .code(405)
          .header('allow', method === 'GET' ? 'GET, HEAD' : method)
          .send({ error: `Expected the method ${method} for ${url}, but received ${request.method}` });
      },
    });
  };

  const entry = (name: string): ModelEntry => {
    const e = o.models.get(name);
    if (!e)
      throw new HttpError(
        404,
        `Expected one of the models ${[...o.models.keys()].map((k) => JSON.stringify(k)).join(', ')} for the model name, but received ${JSON.stringify(name)}`,
      );
    return e;
  };
  const version = (e: ModelEntry, v: string | undefined): Servable => {
    const m = e.current;
    if (v !== undefined && v !== String(m.version))
      throw new HttpError(
        404,
        `Expected the version served, ${m.version}, for the model ${JSON.stringify(e.name)}, but received version ${JSON.stringify(v)}`,
      );
    return m;
  };

  /** Runs `rows` samples through the batcher, within the request timeout. */
  const infer = async (
    request: FastifyRequest,
    e: ModelEntry,
    m: Servable,
    x: Float32Array,
    rows: number,
  ): Promise<Float32Array> => {
    arrived(request);
    const job = e.batcher.submit(m, x, rows);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new HttpError(504, `The request did not finish within the timeout of ${o.timeoutMs} ms`);
        job.cancel(err);
        reject(err);
      }, o.timeoutMs);
    });
    try {
      return await Promise.race([job.result, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const observe = (model: string, protocol: string, reply: FastifyReply, t0: bigint) => {
    o.metrics.requests.inc({ model, protocol, status: String(reply.statusCode) });
    o.metrics.latency.observe({ model, protocol }, Number(process.hrtime.bigint() - t0) / 1e9);
  };

  // ---- TF Serving REST API -------------------------------------------------------------------
  const v1Path = (rest: string): { name: string; version?: string; verb?: string; metadata: boolean } => {
    const m = /^([^/:]+)(?:\/versions\/([^/:]+))?(?:(\/metadata)|:([A-Za-z]+))?$/.exec(rest);
    if (!m) throw new HttpError(404, `No route /v1/models/${rest}`);
    return { name: decodeURIComponent(m[1]!), version: m[2], metadata: m[3] !== undefined, verb: m[4] };
  };
  const v1Status = (e: ModelEntry) => ({
    model_version_status: [
      { version: String(e.current.version), state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
    ],
  });
  const v1 = async (request: FastifyRequest, reply: FastifyReply) => {
    const rest = (request.params as { '*': string })['*'];
    const p = v1Path(rest);
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const expected = p.verb === undefined ? 'GET' : 'POST';
    if (method !== expected) {
      void reply.code(405).header('allow', expected === 'GET' ? 'GET, HEAD' : 'POST');
      return { error: `Expected the method ${expected} for /v1/models/${rest}, but received ${request.method}` };
    }
    const e = entry(p.name);
    const m = version(e, p.version);
    if (p.verb === undefined) {
      if (!p.metadata) return v1Status(e);
      return {
        model_spec: { name: e.name, version: String(m.version), signature_name: 'serving_default' },
        metadata: {
          signature_def: {
            signature_def: {
              serving_default: {
                inputs: { [INPUT]: { dtype: 'DT_FLOAT', tensor_shape: [-1, ...m.inputShape] } },
                outputs: { [OUTPUT]: { dtype: 'DT_FLOAT', tensor_shape: [-1, ...(m.outputShape ?? [])] } },
                method_name: 'tensorflow/serving/predict',
              },
            },
          },
        },
      };
    }
    if (p.verb !== 'predict')
      throw new HttpError(
        404,
        `Expected the verb predict for /v1/models/${rest}, but received ${JSON.stringify(p.verb)}`,
      );
    const t0 = process.hrtime.bigint();
    try {
      const b = request.body as { instances?: unknown; inputs?: unknown };
      if ((b.instances === undefined) === (b.inputs === undefined))
        throw badRequest(
          `Expected "instances" (a list of samples) or "inputs" (columnar) in the request body, but received ${b.instances === undefined ? 'neither' : 'both'}`,
        );
      const columnar = b.instances === undefined;
      let list: unknown = columnar ? b.inputs : b.instances;
      let where = columnar ? 'inputs' : 'instances';
      if (list !== null && typeof list === 'object' && !Array.isArray(list)) {
        const keys = Object.keys(list);
        if (keys.length !== 1)
          throw badRequest(
            `Expected one named input for ${where}, but received ${keys.length} names (the model has one input)`,
          );
        where = `${where}.${keys[0]}`;
        list = (list as Record<string, unknown>)[keys[0]!];
      }
      if (
        !columnar &&
        Array.isArray(list) &&
        list.length > 0 &&
        list.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))
      ) {
        // Row format with named inputs: [{"input": sample}, ...]
        list = list.map((r: Record<string, unknown>, i) => {
          const keys = Object.keys(r);
          if (keys.length !== 1)
            throw badRequest(`Expected one named input for instances[${i}], but received ${keys.length} names`);
          return r[keys[0]!];
        });
      }
      const x = readSamples(list, m.inputShape, m.inputSize, where);
      const rows = x.length / m.inputSize;
      const out = await infer(request, e, m, x, rows);
      const data = outputRows(out, rows, m.outputShape ?? [out.length / rows]);
      return columnar ? { outputs: data } : { predictions: data };
    } finally {
      reply.raw.once('finish', () => observe(e.name, 'v1', reply, t0));
    }
  };
  app.route({ method: 'GET', url: '/v1/models/*', handler: v1 });
  app.route({ method: 'POST', url: '/v1/models/*', handler: v1, schema: { body: v1Schema } });
  app.route({ method: ['PUT', 'DELETE', 'PATCH', 'OPTIONS'], url: '/v1/models/*', handler: v1 });

  // ---- Open Inference Protocol (KServe v2) ------------------------------------------------------
  route('GET', '/v2', () => ({ name: 'simdnn', version: '0.1', extensions: ['binary_tensor_data'] }));
  route('GET', '/v2/health/live', () => ({ live: true }));
  route('GET', '/v2/health/ready', (_request, reply) => {
    if (app.closing) return reply.code(503).send({ ready: false });
    return { ready: true };
  });
  const modelReady = (request: FastifyRequest, reply: FastifyReply) => {
    const p = request.params as { name: string; version?: string };
    version(entry(p.name), p.version);
    if (app.closing) return reply.code(503).send({ name: p.name, ready: false });
    return { name: p.name, ready: true };
  };
  route('GET', '/v2/models/:name/ready', modelReady);
  route('GET', '/v2/models/:name/versions/:version/ready', modelReady);
  const modelMetadata = (request: FastifyRequest) => {
    const p = request.params as { name: string; version?: string };
    const e = entry(p.name);
    const m = version(e, p.version);
    return {
      name: e.name,
      versions: [String(m.version)],
      platform: 'simdnn',
      inputs: [{ name: INPUT, datatype: 'FP32', shape: [-1, ...m.inputShape] }],
      outputs: [{ name: OUTPUT, datatype: 'FP32', shape: [-1, ...(m.outputShape ?? [-1])] }],
    };
  };
  route('GET', '/v2/models/:name', modelMetadata);
  route('GET', '/v2/models/:name/versions/:version', modelMetadata);

  interface V2Input {
    name: string;
    shape: number[];
    datatype: string;
    parameters?: Record<string, unknown>;
    data?: unknown[];
  }
  interface V2Request {
    id?: string;
    parameters?: Record<string, unknown>;
    inputs: V2Input[];
    outputs?: { name: string; parameters?: Record<string, unknown> }[];
  }
  const modelInfer = async (request: FastifyRequest, reply: FastifyReply) => {
    const p = request.params as { name: string; version?: string };
    const e = entry(p.name);
    const m = version(e, p.version);
    const t0 = process.hrtime.bigint();
    reply.raw.once('finish', () => observe(e.name, 'v2', reply, t0));
    const body = request.body as V2Request;
    if (body.inputs.length !== 1)
      throw badRequest(
        `Expected 1 input (named ${JSON.stringify(INPUT)}) for inputs, but received ${body.inputs.length}`,
      );
    const input = body.inputs[0]!;
    if (input.name !== INPUT)
      throw badRequest(
        `Expected the input name ${JSON.stringify(INPUT)} for inputs[0].name, but received ${JSON.stringify(input.name)}`,
      );
    if (input.datatype !== 'FP32')
      throw badRequest(
        `Expected the datatype "FP32" for inputs[0].datatype, but received ${JSON.stringify(input.datatype)}`,
      );
    const shape = input.shape;
    const rows = shape[0] ?? 0;
    const rest = shape.slice(1);
    const restSize = rest.reduce((a, b) => a * b, 1);
    const fits =
      rows > 0 &&
      ((rest.length === m.inputShape.length && rest.every((d, i) => d === m.inputShape[i])) ||
        (rest.length === 1 && restSize === m.inputSize));
    if (!fits)
      throw badRequest(
        `Expected a shape [n, ${m.inputShape.join(', ')}] with n >= 1 for inputs[0].shape, but received ${shapeText(shape)}`,
      );
    const count = rows * m.inputSize;
    const binary = binaryParts.get(request);
    const binarySize = input.parameters?.binary_data_size;
    let x: Float32Array;
    if (binarySize !== undefined) {
      if (binary === undefined)
        throw badRequest(
          'Expected the Inference-Header-Content-Length header with inputs[0].parameters.binary_data_size, but received none',
        );
      if (binarySize !== count * 4)
        throw badRequest(
          `Expected ${count * 4} bytes (${count} float32 values of shape ${shapeText(shape)}) for inputs[0].parameters.binary_data_size, but received ${JSON.stringify(binarySize)}`,
        );
      if (binary.length !== count * 4)
        throw badRequest(
          `Expected ${count * 4} bytes of tensor data after the JSON header, but received ${binary.length}`,
        );
      x = readFloat32Bytes(binary);
      for (let i = 0; i < x.length; i++)
        if (!Number.isFinite(x[i]!))
          throw badRequest(`Expected finite numbers in the binary data of inputs[0], but value ${i} is ${x[i]}`);
    } else {
      const data = input.data;
      if (data === undefined)
        throw badRequest('Expected data (or parameters.binary_data_size) for inputs[0], but received neither');
      x =
        data.length > 0 && Array.isArray(data[0])
          ? readSamples(data, rest.length === 1 ? [m.inputSize] : m.inputShape, m.inputSize, 'inputs[0].data')
          : readFlat(data, count, 'inputs[0].data');
      if (x.length !== count)
        throw badRequest(
          `Expected ${rows} samples (shape ${shapeText(shape)}) for inputs[0].data, but received ${x.length / m.inputSize}`,
        );
    }
    let binaryOut = body.parameters?.binary_data_output === true;
    for (const [i, out] of (body.outputs ?? []).entries()) {
      if (out.name !== OUTPUT)
        throw badRequest(
          `Expected the output name ${JSON.stringify(OUTPUT)} for outputs[${i}].name, but received ${JSON.stringify(out.name)}`,
        );
      if (out.parameters?.binary_data !== undefined) binaryOut = out.parameters.binary_data === true;
    }
    const y = await infer(request, e, m, x, rows);
    const outShape = [rows, ...(m.outputShape ?? [y.length / rows])];
    const head: Record<string, unknown> = {
      model_name: e.name,
      model_version: String(m.version),
      ...(body.id !== undefined ? { id: body.id } : {}),
    };
    if (!binaryOut) {
      head.outputs = [{ name: OUTPUT, datatype: 'FP32', shape: outShape, data: Array.from(y) }];
      return head;
    }
    const bytes = float32Bytes(y);
    head.outputs = [
      { name: OUTPUT, datatype: 'FP32', shape: outShape, parameters: { binary_data_size: bytes.length } },
    ];
    const json = Buffer.from(JSON.stringify(head));
    return reply
      .header(BINARY_HEADER, String(json.length))
      .type('application/octet-stream')
      .send(Buffer.concat([json, bytes]));
  };
  route('POST', '/v2/models/:name/infer', modelInfer, v2Schema);
  route('POST', '/v2/models/:name/versions/:version/infer', modelInfer, v2Schema);

  route('GET', '/metrics', async (_request, reply) => {
    if (!o.scrape) return reply.type(o.metrics.registry.contentType).send(await o.metrics.registry.metrics());
    let text: string;
    try {
      text = await o.scrape();
    } catch (err) {
      return reply.code(503).send({ error: `Cannot gather the metrics of every worker: ${(err as Error).message}` });
    }
    return reply.type(o.metrics.registry.contentType).send(text);
  });
  return app;
}
