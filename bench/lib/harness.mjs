// The one timing helper every suite uses: each run of a competitor in a given
// setting is a fresh child process (no JIT, allocator or thread-pool state
// carried over from another library or an earlier run); the child measures
// itself and prints one result line; we keep the median over the runs and
// their spread.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { python, root } from './peers.mjs';

export const RESULT_PREFIX = '@@bench-result ';

/** Median of a list of numbers (mean of the two middle ones for an even count). */
export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Median, minimum, maximum and the spread (max - min) / median in percent. */
export function summarize(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return null;
  const med = median(v);
  const min = Math.min(...v);
  const max = Math.max(...v);
  return { median: med, min, max, spreadPct: med ? ((max - min) / Math.abs(med)) * 100 : 0, values: v };
}

/** Runs one measurement in a fresh child process; resolves with the object it printed. */
export function runChild({ kind, script, params, env = {}, timeoutMs = 30 * 60_000 }) {
  const file = join(root, script);
  const [cmd, args] =
    kind === 'python'
      ? [python, [file, JSON.stringify(params)]]
      : [process.execPath, [join(root, 'bench/lib/child.mjs'), file, JSON.stringify(params)]];
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ error: `could not start ${cmd}: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code === 0 && line) {
        try {
          return resolve(JSON.parse(line.slice(RESULT_PREFIX.length)));
        } catch (e) {
          return resolve({ error: `unreadable result line: ${e.message}` });
        }
      }
      const why = signal === 'SIGKILL' ? `timed out after ${timeoutMs / 1000} s` : `exited with ${signal ?? code}`;
      const tail = (err || out).trim().split('\n').slice(-6).join('\n');
      resolve({ error: `${why}${tail ? `: ${tail}` : ''}` });
    });
  });
}

/**
 * Runs several competitors `runs` times each, in turn (run 1 of each, then run
 * 2 of each, ...), every run in a fresh process, so that a change in the load
 * of this shared machine hits them alike instead of one competitor's block of
 * runs. jobs: [{ kind, script, params, metrics, env, timeoutMs, runs }] (a job's
 * own `runs`, if smaller, limits its runs: the first rounds); summarizes
 * the numeric fields named in each job's `metrics`. A failed run is recorded
 * and the others still count. Returns one result per job, in order.
 */
export async function measureInterleaved(jobs, runs, onRun) {
  const acc = jobs.map(() => ({ results: [], errors: [] }));
  for (let r = 0; r < runs; r++)
    for (const [j, job] of jobs.entries()) {
      if (job.runs !== undefined && r >= job.runs) continue;
      const { kind = 'node', script, params, env, timeoutMs } = job;
      const res = await runChild({ kind, script, params: { ...params, run: r }, env, timeoutMs });
      if (res.error) acc[j].errors.push(res.error);
      else acc[j].results.push({ ...res, run: r });
      onRun?.(j, r, res);
    }
  return jobs.map((job, j) => {
    const summary = {};
    for (const m of job.metrics) summary[m] = summarize(acc[j].results.map((x) => x[m]));
    return {
      runs: acc[j].results.length,
      failed: acc[j].errors.length,
      errors: acc[j].errors,
      summary,
      raw: acc[j].results,
    };
  });
}
