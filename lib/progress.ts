/** Console output of `fit`: a live progress bar on a terminal (verbose 1), else one line per epoch. */
import type { Logs } from './callbacks.js';

function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => `${k}: ${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3)}`)
    .join(' - ');
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`;
}

export class ProgressPrinter {
  private readonly tty: boolean;
  private epochStart = 0;
  constructor(
    private readonly verbose: 0 | 1 | 2,
    private readonly epochs: number,
    private readonly stream: NodeJS.WriteStream = process.stdout,
  ) {
    this.tty = verbose === 1 && Boolean(stream.isTTY);
  }

  epochBegin(epoch: number): void {
    this.epochStart = performance.now();
    if (this.tty) this.stream.write(`Epoch ${epoch + 1}/${this.epochs}\n`);
  }

  batch(batch: number, batches: number, loss: number): void {
    if (!this.tty) return;
    const done = batch + 1;
    const width = 30;
    const filled = Math.round((done / batches) * width);
    const elapsed = (performance.now() - this.epochStart) / 1000;
    const eta = done < batches ? (elapsed / done) * (batches - done) : elapsed;
    const bar = '='.repeat(Math.max(0, filled - 1)) + (done < batches ? '>' : '=') + '.'.repeat(width - filled);
    const timing = done < batches ? `ETA ${formatSeconds(eta)}` : formatSeconds(elapsed);
    this.stream.write(
      `\r${String(done).padStart(String(batches).length)}/${batches} [${bar}] ${timing} - loss: ${loss.toFixed(4)}\x1b[K`,
    );
  }

  epochEnd(epoch: number, logs: Logs): void {
    if (this.verbose === 0) return;
    const secs = (performance.now() - this.epochStart) / 1000;
    if (this.tty) this.stream.write(`\r\x1b[K${formatSeconds(secs)} - ${formatLogs(logs)}\n`);
    else this.stream.write(`Epoch ${epoch + 1}/${this.epochs} - ${formatSeconds(secs)} - ${formatLogs(logs)}\n`);
  }
}
