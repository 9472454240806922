// `simdnn serve` as a user runs it (node dist/cli/main.js serve ...): SIGTERM with requests in flight
// answers them and exits 0; --workers 2 runs two processes sharing one port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../lib/index.js';
import { ensureDist } from './dist.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = join(root, 'dist/cli/main.js');
let dir: string;
let model: nn.Sequential;

beforeAll(async () => {
  ensureDist();
  dir = mkdtempSync(join(tmpdir(), 'simdnn-serve-cli-'));
  model = nn.sequential([
    nn.layers.dense({ units: 8, inputDim: 4, activation: 'relu' }),
    nn.layers.dense({ units: 2, activation: 'softmax' }),
  ]);
  model.build(4, 9);
  await model.save(join(dir, 'm', '1'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `simdnn serve` and resolves with the process and its URL (from its first stdout line). */
function start(...args: string[]): Promise<{ child: ChildProcess; url: string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [main, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, exit });
    });
    void exit.then((code) => reject(new Error(`simdnn serve exited (${code}) before listening: ${err}`)));
  });
}

/** One POST on a fresh connection; resolves with status, body and the x-simdnn-worker header. */
function postFresh(
  url: string,
  path: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown>; worker?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            json: JSON.parse(text),
            worker: res.headers['x-simdnn-worker'] as string | undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const rows = Array.from({ length: 8 }, (_, i) => [i / 8, 1 - i / 8, (i % 3) / 2, -i / 4]);

describe('simdnn serve', () => {
  it('answers the requests in flight on SIGTERM and exits 0', async () => {
    // A long batching delay keeps the requests waiting in the server when SIGTERM arrives.
    const s = await start('--model', join(dir, 'm'), '--max-delay-ms', '1500', '--max-batch', '64');
    const pending = rows.map((r) => postFresh(s.url, '/v1/models/m:predict', { instances: [r] }));
    await new Promise((r) => setTimeout(r, 300));
    s.child.kill('SIGTERM');
    const answers = await Promise.all(pending);
    answers.forEach((a, i) => {
      expect(a.status).toBe(200);
      const want = model.predict([rows[i]!]).data;
      const got = (a.json.predictions as number[][])[0]!;
      got.forEach((v, j) => expect(Math.abs(v - want[j]!)).toBeLessThan(1e-5));
    });
    expect(await s.exit).toBe(0);
  });

  it('runs two worker processes on one port with --workers 2, and stops both on SIGTERM', async () => {
    const s = await start('--model', `clf=${join(dir, 'm')}`, '--workers', '2', '--max-delay-ms', '0');
    const seen = new Set<string>();
    for (let i = 0; i < 200 && seen.size < 2; i++) {
      const a = await postFresh(s.url, '/v2/models/clf/infer', {
        inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: rows[i % rows.length] }],
      });
      expect(a.status).toBe(200);
      const want = model.predict([rows[i % rows.length]!]).data;
      (a.json.outputs as { data: number[] }[])[0]!.data.forEach((v, j) =>
        expect(Math.abs(v - want[j]!)).toBeLessThan(1e-5),
      );
      if (a.worker) seen.add(a.worker);
      if (seen.size < 2) await new Promise((r) => setTimeout(r, 20));
    }
    expect([...seen].sort()).toEqual(['1', '2']);
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
  });

  it('reports a missing model folder as a usage error', async () => {
    const child = spawn(process.execPath, [main, 'serve', '--model', join(dir, 'nope')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(err).toMatch(/--model.*no such folder/);
  });
});
