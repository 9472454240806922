import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadIdxDataset, readCsv, readIdx } from '../lib/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'simdnn-data-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** An IDX file: magic 0x0000 <type> <rank>, big-endian int32 dims, then the data bytes. */
function idx(shape: number[], data: Uint8Array, type = 0x08): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = type;
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

describe('readCsv', () => {
  it('reads a header, numeric features and a named class target', () => {
    const path = file(
      'flowers.csv',
      'sepal,petal,species,weight\n1.5,2,setosa,10\n3,4.25,virginica,20\n\n5,6,setosa,30\n',
    );
    const r = readCsv(path, { target: 'species' });
    expect(r.x.shape).toEqual([3, 3]);
    expect(Array.from(r.x.data)).toEqual([1.5, 2, 10, 3, 4.25, 20, 5, 6, 30]);
    expect(r.columns).toEqual(['sepal', 'petal', 'weight']);
    expect(r.targetColumn).toBe('species');
    expect(r.classNames).toEqual(['setosa', 'virginica']);
    expect(Array.from(r.y.data)).toEqual([0, 1, 0]);
  });

  it('defaults to the last column and detects a missing header', () => {
    const r = readCsv('1,2,0\n3,4,1\n');
    expect(r.x.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(Array.from(r.y.data)).toEqual([0, 1]);
    expect(r.columns).toEqual(['0', '1']);
    expect(r.targetColumn).toBe('2');
    expect(r.classNames).toBeUndefined();
    const h = readCsv('a;b;c\n1;2;3.5\n', { delimiter: ';', target: 0 });
    expect(h.columns).toEqual(['b', 'c']);
    expect(Array.from(h.y.data)).toEqual([1]);
    expect(readCsv('1,2,3\n4,5,6\n', { target: -2 }).x.toArray()).toEqual([
      [1, 3],
      [4, 6],
    ]);
    // a non-numeric target on every line is data, not a header
    expect(readCsv('1,cat\n2,dog\n').classNames).toEqual(['cat', 'dog']);
    expect(readCsv('1,cat\n2,dog\n', { header: true }).x.shape).toEqual([1, 1]);
  });

  it('reads gzip files and buffers', () => {
    const gz = file('t.csv.gz', gzipSync('x,y\n1,2\n3,4\n'));
    expect(readCsv(gz).x.toArray()).toEqual([[1], [3]]);
    expect(readCsv(Buffer.from('x,y\n1,2\n')).y.toArray()).toEqual([2]);
  });

  it('names the line and column of bad cells', () => {
    const path = file('bad.csv', 'a,b,label\n1,2,0\n3,oops,1\n');
    expect(() => readCsv(path)).toThrow(
      new Error(
        `Expected a number for line 3, column 2 ("b") of CSV file ${JSON.stringify(path)}, but received "oops"`,
      ),
    );
    expect(() => readCsv('1,2,0\n,4,1\n')).toThrow(
      new Error('Expected a number for line 2, column 1 of CSV text, but received an empty cell'),
    );
    expect(() => readCsv('1,2,0\n3,4\n')).toThrow(
      new Error('Cannot parse CSV text: Invalid Record Length: expect 3, got 2 on line 2'),
    );
    expect(() => readCsv(join(dir, 'missing.csv'))).toThrow(
      new Error(`Cannot read CSV file ${JSON.stringify(join(dir, 'missing.csv'))}: no such file`),
    );
    expect(() => readCsv('a,b\n')).toThrow(new Error('Cannot read CSV text: it has no data rows'));
  });

  it('validates options', () => {
    const text = 'a,b\n1,2\n';
    expect(() => readCsv(text, { target: 'c' })).toThrow(
      new RangeError('Expected one of the column names "a", "b" for options.target, but received "c"'),
    );
    expect(() => readCsv(text, { target: 2 })).toThrow(
      new RangeError('Expected a column index from -2 to 1 for options.target, but received 2'),
    );
    expect(() => readCsv('1,2\n3,4\n', { target: 'a' })).toThrow(
      new RangeError('Expected a column index (the CSV has no header line) for options.target, but received "a"'),
    );
    expect(() => readCsv(text, { target: true } as never)).toThrow(
      new TypeError('Expected an integer column index or a column name for options.target, but received true'),
    );
    expect(() => readCsv(text, { header: 'yes' } as never)).toThrow(
      new TypeError('Expected true, false or \'auto\' for options.header, but received "yes"'),
    );
    expect(() => readCsv(text, { delimiter: '' })).toThrow(
      new TypeError('Expected a non-empty string without quotes or line breaks for options.delimiter, but received ""'),
    );
    expect(() => readCsv(42 as never)).toThrow(
      new TypeError('Expected a file path, a file URL, a Buffer or CSV text for fileOrString, but received 42'),
    );
  });
});

describe('readIdx / loadIdxDataset', () => {
  const images = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);
  const labels = Uint8Array.of(2, 0, 1);

  it('round-trips raw and gzip files', () => {
    const raw = file('img-idx3-ubyte', idx([3, 2, 2], images));
    const gz = file('img-idx3-ubyte.gz', gzipSync(idx([3, 2, 2], images)));
    for (const path of [raw, gz]) {
      const t = readIdx(path);
      expect(t.shape).toEqual([3, 2, 2]);
      expect(Array.from(t.data)).toEqual(Array.from(images));
    }
    const f = readIdx(idx([2], Buffer.from(new Float32Array([1.5, -2]).buffer).swap32(), 0x0d));
    expect(Array.from(f.data)).toEqual([1.5, -2]);
  });

  it('loads images and labels as [n, rows * cols] and [n]', () => {
    const imgPath = file('a-images.gz', gzipSync(idx([3, 2, 2], images)));
    const lblPath = file('a-labels.gz', gzipSync(idx([3], labels)));
    const d = loadIdxDataset(imgPath, lblPath);
    expect(d.x.shape).toEqual([3, 4]);
    expect(d.y.shape).toEqual([3]);
    expect(d.imageShape).toEqual([2, 2]);
    expect(Array.from(d.y.data)).toEqual([2, 0, 1]);
    expect(d.x.data[5]).toBeCloseTo(100 / 255, 6);
    expect(loadIdxDataset(imgPath, lblPath, { scale: 1 }).x.data[11]).toBe(220);
    expect(() => loadIdxDataset(imgPath, idx([2], labels.subarray(0, 2)))).toThrow(
      new RangeError('Expected an IDX file of 3 labels (one per image) for labelsFile, but received data of shape [2]'),
    );
    expect(() => loadIdxDataset(lblPath, lblPath)).toThrow(
      new RangeError('Expected an IDX file of images [n, rows, cols] for imagesFile, but received data of shape [3]'),
    );
    expect(() => loadIdxDataset(imgPath, lblPath, { scale: NaN })).toThrow(
      new RangeError('Expected a finite number for options.scale, but received NaN'),
    );
  });

  it('loads images as [n, rows, cols, 1] with images: true (and keeps [n, rows, cols, c] files as they are)', () => {
    const imgPath = file('b-images.gz', gzipSync(idx([3, 2, 2], images)));
    const lblPath = file('b-labels.gz', gzipSync(idx([3], labels)));
    const d = loadIdxDataset(imgPath, lblPath, { images: true, scale: 1 });
    expect(d.x.shape).toEqual([3, 2, 2, 1]);
    expect(Array.from(d.x.data)).toEqual(Array.from(images));
    expect((d.x.toArray() as number[][][][])[2]![1]![0]![0]).toBe(images[2 * 4 + 2]);
    expect(d.imageShape).toEqual([2, 2]);
    expect(loadIdxDataset(imgPath, lblPath, { images: false }).x.shape).toEqual([3, 4]);
    const rgb = file('c-images', idx([3, 2, 1, 2], images));
    expect(loadIdxDataset(rgb, lblPath, { images: true }).x.shape).toEqual([3, 2, 1, 2]);
    expect(() => loadIdxDataset(imgPath, lblPath, { images: 1 } as never)).toThrow(
      new TypeError('Expected a boolean for options.images, but received 1'),
    );
  });

  it('reports truncated and garbage files, naming the file', () => {
    const full = idx([3, 2, 2], images);
    const short = file('short-idx3-ubyte', full.subarray(0, full.length - 3));
    expect(() => readIdx(short)).toThrow(
      new Error(
        `Invalid IDX file ${JSON.stringify(short)}: truncated: the header gives shape [3, 2, 2] of uint8, which needs 12 bytes of data, but the file has 9`,
      ),
    );
    const header = file('header-idx3-ubyte', full.subarray(0, 10));
    expect(() => readIdx(header)).toThrow(
      new Error(
        `Invalid IDX file ${JSON.stringify(header)}: truncated: the header of a 3-D file needs 16 bytes, but the file has 10`,
      ),
    );
    const gz = gzipSync(full);
    const cut = file('cut.gz', gz.subarray(0, gz.length - 8));
    expect(() => readIdx(cut)).toThrow(
      new Error(
        `Cannot decompress IDX file ${JSON.stringify(cut)}: the gzip data is truncated (unexpected end of file)`,
      ),
    );
    const garbage = file('garbage.bin', 'hello world, not IDX');
    expect(() => readIdx(garbage)).toThrow(
      new Error(
        `Invalid IDX file ${JSON.stringify(garbage)}: the magic number 0x68656c6c is not an IDX one (0x0000, a type byte 08/09/0b/0c/0d/0e, a dimension count >= 1; e.g. 0x00000803 for images, 0x00000801 for labels)`,
      ),
    );
    expect(() => readIdx(Buffer.of(0, 0))).toThrow(
      new Error('Invalid IDX buffer: it has 2 bytes, too few for the 4-byte magic number'),
    );
    expect(() => readIdx(Buffer.concat([full, Buffer.of(1)]))).toThrow(
      new Error('Invalid IDX buffer: it has 1 unexpected byte after the data of shape [3, 2, 2]'),
    );
    expect(() => readIdx(join(dir, 'nope'))).toThrow(
      new Error(`Cannot read IDX file ${JSON.stringify(join(dir, 'nope'))}: no such file`),
    );
    expect(() => readIdx(7 as never)).toThrow(
      new TypeError('Expected a file path, a file URL or a Buffer for file, but received 7'),
    );
  });
});
