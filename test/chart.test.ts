import { describe, expect, it } from 'vitest';
import { learningCurveSvg, niceTicks } from '../lib/chart.js';

/** Checks that tags nest properly (a small well-formedness check) and returns the element names seen. */
function parseTags(svg: string): string[] {
  const stack: string[] = [];
  const seen: string[] = [];
  const re = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(svg))) {
    // Text between tags must not contain raw markup characters.
    expect(svg.slice(last, m.index)).not.toMatch(/[<>]/);
    last = re.lastIndex;
    const [, closing, name, , selfClosing] = m;
    if (closing) expect(stack.pop()).toBe(name);
    else if (!selfClosing) stack.push(name!);
    if (!closing) seen.push(name!);
  }
  expect(svg.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  return seen;
}

/** Every number in the coordinate attributes and path data. */
function coordinates(svg: string): number[] {
  const out: number[] = [];
  for (const m of svg.matchAll(/\s(?:x|y|x1|x2|y1|y2|cx|cy|width|height|d)="([^"]*)"/g))
    for (const n of m[1]!.match(/-?[\d.]+(?:e-?\d+)?|NaN|Infinity/g) ?? []) out.push(Number(n));
  return out;
}

const history = {
  epoch: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  history: {
    loss: [2.1, 1.5, 1.1, 0.8, 0.6, 0.5, 0.42, 0.37, 0.33, 0.3],
    accuracy: [0.3, 0.5, 0.62, 0.71, 0.78, 0.82, 0.85, 0.87, 0.88, 0.89],
    valLoss: [2.0, 1.6, 1.2, 0.95, 0.8, 0.72, 0.7, 0.69, 0.7, 0.71],
    valAccuracy: [0.32, 0.48, 0.6, 0.68, 0.74, 0.77, 0.79, 0.8, 0.8, 0.8],
  },
};

describe('learningCurveSvg', () => {
  it('draws a well-formed SVG with loss and accuracy panels, four curves and a legend', () => {
    const svg = learningCurveSvg(history, { title: 'digits <test> & "more"' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    const tags = parseTags(svg);
    expect(tags[0]).toBe('svg');
    expect(svg).toContain('digits &lt;test&gt; &amp; &quot;more&quot;');
    expect(svg.match(/class="panel"/g)).toHaveLength(2);
    expect(svg).toContain('data-metric="loss"');
    expect(svg).toContain('data-metric="accuracy"');
    const curves = [...svg.matchAll(/<path class="curve" d="([^"]+)"/g)].map((m) => m[1]!);
    expect(curves).toHaveLength(4);
    for (const d of curves) {
      expect(d.match(/M/g)).toHaveLength(1);
      expect(d.match(/[ML]/g)).toHaveLength(10);
    }
    for (const label of ['training loss', 'validation loss', 'training accuracy', 'validation accuracy'])
      expect(svg).toContain(`>${label}</text>`);
    expect(svg).toContain('>epoch</text>');
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    const nums = coordinates(svg);
    expect(nums.length).toBeGreaterThan(100);
    for (const v of nums) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(960);
    }
  });

  it('puts lower losses lower in the picture (y grows downwards)', () => {
    const svg = learningCurveSvg(history);
    const d = /<g class="series" data-label="training loss">\s*<path class="curve" d="([^"]+)"/.exec(svg)![1]!;
    const ys = [...d.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
    expect(ys[0]!).toBeLessThan(ys[9]!);
    const xs = [...d.matchAll(/[ML]([\d.]+),/g)].map((m) => Number(m[1]));
    for (let i = 1; i < xs.length; i++) expect(xs[i]!).toBeGreaterThan(xs[i - 1]!);
  });

  it('takes a plain history record, and draws only the loss panel without metrics', () => {
    const svg = learningCurveSvg({ loss: [1, 0.5, 0.25] });
    parseTags(svg);
    expect(svg.match(/class="panel"/g)).toHaveLength(1);
    expect(svg.match(/class="curve"/g)).toHaveLength(1);
    expect(svg).toContain('<title>Learning curves</title>');
  });

  it('uses the first metric when there is no accuracy, or the one asked for', () => {
    const h = { loss: [3, 2, 1], mae: [1.5, 1.2, 0.9], mse: [3, 2, 1], valLoss: [3, 2.5, 2], valMae: [1.6, 1.4, 1.3] };
    expect(learningCurveSvg(h)).toContain('data-metric="mae"');
    const svg = learningCurveSvg(h, { metric: 'mse' });
    expect(svg).toContain('data-metric="mse"');
    expect(svg.match(/class="curve"/g)).toHaveLength(3);
    expect(() => learningCurveSvg(h, { metric: 'auc' })).toThrow(
      /^Expected one of the metrics in the history .* for options\.metric, but received "auc"$/,
    );
  });

  it('leaves gaps at non-finite values and marks single points', () => {
    const svg = learningCurveSvg({ loss: [1, 0.8, NaN, 0.5, 0.4] });
    parseTags(svg);
    const d = /<path class="curve" d="([^"]+)"/.exec(svg)![1]!;
    expect(d.match(/M/g)).toHaveLength(2);
    expect(svg).not.toMatch(/NaN/);
    const one = learningCurveSvg({ epoch: [0], history: { loss: [0.7], accuracy: [0.5] } });
    parseTags(one);
    expect(one).not.toMatch(/NaN|Infinity/);
    expect(one.match(/<circle /g)).toHaveLength(2);
  });

  it('rejects what is not a history, in the library error style', () => {
    expect(() => learningCurveSvg({ loss: [] })).toThrow(/^Expected a history with at least one epoch for history/);
    expect(() => learningCurveSvg({ loss: 'x' } as never)).toThrow(
      'Expected an array of numbers for history.loss, but received "x"',
    );
    expect(() => learningCurveSvg(history, { width: 10 })).toThrow(
      'Expected an integer from 200 to 20000 for options.width, but received 10',
    );
    expect(() => learningCurveSvg(history, { colour: 'red' } as never)).toThrow(/unknown option "colour"/);
  });

  it('chooses round tick values', () => {
    expect(niceTicks(0, 1, 5).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.13, 2.4, 5).ticks).toEqual([0.5, 1, 1.5, 2]);
    expect(niceTicks(5, 5).ticks.length).toBeGreaterThan(0);
  });
});
