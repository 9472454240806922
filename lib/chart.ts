/**
 * Learning curves as a self-contained SVG document (no dependencies): training and validation loss
 * on one panel, accuracy (or the first other metric) on a second, with axes, ticks and a legend.
 */
import { rangeError, typeError } from './errors.js';
import type { History } from './model.js';
import { checkInteger, checkKnownKeys, checkOptions, checkString, isPlainObject } from './validate.js';

/** Options of {@link learningCurveSvg}. */
export interface LearningCurveOptions {
  /** A title above the panels (default "Learning curves"). */
  title?: string;
  /** The metric for the second panel (default `accuracy` when present, else the first metric that is not a loss). */
  metric?: string;
  /** Width of the whole image in pixels (default 960). */
  width?: number;
  /** Height of the whole image in pixels (default 420). */
  height?: number;
}

interface Series {
  label: string;
  values: number[];
  color: string;
  dash?: string;
}

const COLORS = { train: '#1f77b4', val: '#ff7f0e' };
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A coordinate with two decimals (never NaN: callers pass finite values only). */
function fmt(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

/** "Nice" tick values covering [lo, hi] (about `count` of them). */
export function niceTicks(lo: number, hi: number, count = 5): { ticks: number[]; step: number } {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return { ticks, step };
}

function tickLabel(v: number, step: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-4) return v.toExponential(1);
  const decimals = Math.max(0, Math.min(8, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

/** The range of the finite values of all series, padded a little. */
function valueRange(series: Series[], bounded: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series)
    for (const v of s.values)
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
  if (lo === Infinity) return [0, 1];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * 0.05;
  let a = lo - pad;
  let b = hi + pad;
  if (bounded) {
    a = Math.max(a, 0);
    b = Math.min(b, 1);
  } else if (lo >= 0) a = Math.max(a, 0);
  return [a, b];
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

function panel(box: Box, epochs: number[], series: Series[], yLabel: string, bounded: boolean): string {
  const out: string[] = [];
  const plot: Box = { x: box.x + 62, y: box.y + 10, w: box.w - 78, h: box.h - 58 };
  const [xlo0, xhi0] = [epochs[0]!, epochs[epochs.length - 1]!];
  const [xlo, xhi] = xhi0 > xlo0 ? [xlo0, xhi0] : [xlo0 - 1, xlo0 + 1];
  const [ylo, yhi] = valueRange(series, bounded);
  const sx = (e: number) => plot.x + ((e - xlo) / (xhi - xlo)) * plot.w;
  const sy = (v: number) => plot.y + plot.h - ((v - ylo) / (yhi - ylo)) * plot.h;

  out.push(`<g class="panel" data-metric="${escapeXml(yLabel)}">`);
  out.push(
    `<rect x="${fmt(plot.x)}" y="${fmt(plot.y)}" width="${fmt(plot.w)}" height="${fmt(plot.h)}" fill="#fff" stroke="none"/>`,
  );
  // Grid and y ticks.
  const yt = niceTicks(ylo, yhi, 6);
  for (const t of yt.ticks) {
    if (t < ylo - 1e-12 || t > yhi + 1e-12) continue;
    const y = fmt(sy(t));
    out.push(
      `<line x1="${fmt(plot.x)}" y1="${y}" x2="${fmt(plot.x + plot.w)}" y2="${y}" stroke="#e5e5e5" stroke-width="1"/>`,
    );
    out.push(`<line x1="${fmt(plot.x - 5)}" y1="${y}" x2="${fmt(plot.x)}" y2="${y}" stroke="#333" stroke-width="1"/>`);
    out.push(
      `<text x="${fmt(plot.x - 8)}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11" fill="#333">${tickLabel(t, yt.step)}</text>`,
    );
  }
  // x ticks: whole epochs only.
  const xt = niceTicks(xlo, xhi, Math.min(8, Math.max(1, Math.round(xhi - xlo))));
  const xStep = Math.max(1, Math.round(xt.step));
  for (let e = Math.ceil(xlo / xStep) * xStep; e <= xhi + 1e-9; e += xStep) {
    if (e < xlo - 1e-9) continue;
    const x = fmt(sx(e));
    const yb = plot.y + plot.h;
    out.push(`<line x1="${x}" y1="${fmt(yb)}" x2="${x}" y2="${fmt(yb + 5)}" stroke="#333" stroke-width="1"/>`);
    out.push(`<text x="${x}" y="${fmt(yb + 18)}" text-anchor="middle" font-size="11" fill="#333">${e}</text>`);
  }
  // Axes.
  out.push(
    `<path d="M${fmt(plot.x)},${fmt(plot.y)}V${fmt(plot.y + plot.h)}H${fmt(plot.x + plot.w)}" fill="none" stroke="#333" stroke-width="1" class="axis"/>`,
  );
  out.push(
    `<text x="${fmt(plot.x + plot.w / 2)}" y="${fmt(plot.y + plot.h + 38)}" text-anchor="middle" font-size="12" fill="#111">epoch</text>`,
  );
  const cy = plot.y + plot.h / 2;
  out.push(
    `<text x="${fmt(box.x + 14)}" y="${fmt(cy)}" text-anchor="middle" font-size="12" fill="#111" transform="rotate(-90 ${fmt(box.x + 14)} ${fmt(cy)})">${escapeXml(yLabel)}</text>`,
  );
  // Curves: one path per series; gaps where values are not finite.
  const markers = epochs.length <= 40;
  for (const s of series) {
    let d = '';
    let pen = false;
    const dots: string[] = [];
    s.values.forEach((v, i) => {
      const e = epochs[i];
      if (e === undefined || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      const px = fmt(sx(e));
      const py = fmt(sy(v));
      d += `${pen ? 'L' : 'M'}${px},${py}`;
      pen = true;
      if (markers) dots.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${s.color}"/>`);
    });
    out.push(`<g class="series" data-label="${escapeXml(s.label)}">`);
    if (d)
      out.push(
        `<path class="curve" d="${d}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
      );
    out.push(...dots, '</g>');
  }
  // Legend inside the plot, at the right: at the top unless the curves end in the upper half.
  const lw = 24 + 7 * Math.max(...series.map((s) => s.label.length)) + 16;
  const lh = 8 + 18 * series.length;
  const lx = plot.x + plot.w - lw - 8;
  const tail = series.flatMap((s) => s.values.slice(Math.floor(s.values.length * 0.6)).filter(Number.isFinite));
  const high = tail.length > 0 && tail.reduce((a, v) => a + sy(v), 0) / tail.length < plot.y + plot.h / 2;
  const ly = high ? plot.y + plot.h - lh - 8 : plot.y + 8;
  out.push(
    `<g class="legend"><rect x="${fmt(lx)}" y="${fmt(ly)}" width="${fmt(lw)}" height="${fmt(lh)}" fill="#fff" fill-opacity="0.85" stroke="#ccc"/>`,
  );
  series.forEach((s, i) => {
    const y = ly + 13 + 18 * i;
    out.push(
      `<line x1="${fmt(lx + 6)}" y1="${fmt(y)}" x2="${fmt(lx + 26)}" y2="${fmt(y)}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    );
    out.push(
      `<text x="${fmt(lx + 32)}" y="${fmt(y)}" dominant-baseline="middle" font-size="11" fill="#111">${escapeXml(s.label)}</text>`,
    );
  });
  out.push('</g></g>');
  return out.join('\n');
}

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((e) => typeof e === 'number' || e === null);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Draws learning curves from a training history as an SVG document that a browser opens directly:
 * training and validation loss on the left panel, and accuracy (or the first other metric) with its
 * validation counterpart on the right. Non-finite values leave gaps.
 *
 * @param history - what `model.fit` resolves with (`{ epoch, history }`), or just its `history`
 *   record (`{ loss: [...], valLoss: [...], accuracy: [...], ... }`)
 * @param options - `title`, `metric`, `width` (960), `height` (420)
 * @returns the SVG text
 * @example
 * ```ts
 * const history = await model.fit(x, y, { epochs: 30, validationSplit: 0.2 });
 * writeFileSync('learning-curve.svg', learningCurveSvg(history, { title: 'digits' }));
 * ```
 */
export function learningCurveSvg(
  history: History | Record<string, number[]>,
  options: LearningCurveOptions = {},
): string {
  if (!isPlainObject(history) && !(typeof history === 'object' && history !== null))
    throw typeError('a History from model.fit or its history record', 'history', history);
  const o = checkOptions(options, 'options');
  checkKnownKeys(o, ['title', 'metric', 'width', 'height'], 'options');
  const title = o.title === undefined ? 'Learning curves' : checkString(o.title, 'options.title');
  const width = o.width === undefined ? 960 : checkInteger(o.width, 'options.width', { min: 200, max: 20000 });
  const height = o.height === undefined ? 420 : checkInteger(o.height, 'options.height', { min: 150, max: 20000 });
  const h = history as Record<string, unknown>;
  const record = (isPlainObject(h.history) ? h.history : h) as Record<string, unknown>;
  const logs: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(record)) {
    if (k === 'epoch' && record === h) continue;
    if (!isNumberArray(v)) throw typeError('an array of numbers', `history.${k}`, v);
    logs[k] = v.map((e) => (e === null ? NaN : e));
  }
  const length = Math.max(0, ...Object.values(logs).map((v) => v.length));
  if (length === 0) throw rangeError('a history with at least one epoch', 'history', history);
  const given = Array.isArray(h.epoch) && h.epoch.length === length && isNumberArray(h.epoch) ? h.epoch : undefined;
  const epochs = given ? given.map((e) => e + 1) : Array.from({ length }, (_, i) => i + 1);

  const pair = (key: string, name: string): Series[] => {
    const val = `val${capitalize(key)}`;
    const out: Series[] = [];
    if (logs[key]) out.push({ label: `training ${name}`, values: logs[key]!, color: COLORS.train });
    if (logs[val]) out.push({ label: `validation ${name}`, values: logs[val]!, color: COLORS.val, dash: '6 4' });
    return out;
  };
  const panels: { series: Series[]; label: string; bounded: boolean }[] = [];
  const lossSeries = pair('loss', 'loss');
  if (lossSeries.length) panels.push({ series: lossSeries, label: 'loss', bounded: false });
  let metric: string | undefined;
  if (o.metric !== undefined) {
    metric = checkString(o.metric, 'options.metric');
    if (!logs[metric] && !logs[`val${capitalize(metric)}`])
      throw rangeError(`one of the metrics in the history (${Object.keys(logs).join(', ')})`, 'options.metric', metric);
  } else {
    const candidates = Object.keys(logs).filter((k) => k !== 'loss' && k !== 'lr' && !/^val[A-Z]/.test(k));
    metric = candidates.includes('accuracy') ? 'accuracy' : candidates[0];
    if (!metric) {
      const val = Object.keys(logs).find((k) => /^val[A-Z]/.test(k) && k !== 'valLoss');
      if (val) metric = val.charAt(3).toLowerCase() + val.slice(4);
    }
  }
  if (metric) {
    const s = pair(metric, metric);
    const bounded =
      /acc|precision|recall|f1|auc/i.test(metric) && s.every((x) => x.values.every((v) => !(v < 0 || v > 1)));
    if (s.length) panels.push({ series: s, label: metric, bounded });
  }
  if (panels.length === 0) {
    const [key] = Object.keys(logs);
    panels.push({ series: [{ label: key!, values: logs[key!]!, color: COLORS.train }], label: key!, bounded: false });
  }

  const top = 44;
  const gap = 16;
  const pw = (width - 20 - gap * (panels.length - 1)) / panels.length;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fafafa"/>`,
    `<text x="${fmt(width / 2)}" y="28" text-anchor="middle" font-size="16" font-weight="600" fill="#111">${escapeXml(title)}</text>`,
  ];
  panels.forEach((p, i) =>
    parts.push(
      panel({ x: 10 + i * (pw + gap), y: top, w: pw, h: height - top - 4 }, epochs, p.series, p.label, p.bounded),
    ),
  );
  parts.push('</svg>', '');
  return parts.join('\n');
}
