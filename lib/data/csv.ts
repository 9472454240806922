/** Reading numeric tables from CSV: features into `x`, one target column into `y`. */
import { parse } from 'csv-parse/sync';
import { describe, expectedMessage, rangeError, typeError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { checkKnownKeys, checkOptions } from '../validate.js';
import { gunzipIfNeeded, readSource, type Source } from './source.js';

/** Options of {@link readCsv}. */
export interface ReadCsvOptions {
  /**
   * The target column: a column index (negative counts from the end: -1 is the last column) or, when
   * the file has a header, a column name. Default: the last column.
   */
  target?: number | string;
  /**
   * Whether the first line holds column names. `'auto'` (the default) takes the first line as a
   * header when some column is non-numeric there but numeric on the second line.
   */
  header?: boolean | 'auto';
  /** The field separator (default `,`). */
  delimiter?: string;
}

/** A table read by {@link readCsv}. */
export interface CsvData {
  /** The feature columns, `[rows, features]` (float32). */
  x: Tensor;
  /** The target column, `[rows]`: its numbers, or class ids (0, 1, …) indexing `classNames` when non-numeric. */
  y: Tensor;
  /** The feature column names (from the header, else `"0"`, `"1"`, … by position in the file). */
  columns: string[];
  /** The target column's name (from the header, else its position). */
  targetColumn: string;
  /** When the target column is non-numeric: its distinct values, sorted; `y` holds indices into this list. */
  classNames?: string[];
}

type Row = { record: string[]; info: { lines: number } };

function isNumeric(cell: string): boolean {
  return cell !== '' && !Number.isNaN(Number(cell));
}

function loadText(input: unknown): { text: string | Uint8Array; name: string } {
  if (typeof input === 'string' && /[\r\n]/.test(input)) return { text: input, name: 'CSV text' };
  if (!(typeof input === 'string' && input !== '') && !(input instanceof URL) && !(input instanceof Uint8Array))
    throw typeError('a file path, a file URL, a Buffer or CSV text', 'fileOrString', input);
  const src: Source = readSource(input, 'fileOrString', 'CSV');
  return { text: gunzipIfNeeded(src), name: src.name };
}

/**
 * Reads a CSV table of numbers: every column except the target becomes a feature column of `x`,
 * the target column becomes `y`. A non-numeric target column (e.g. species names) becomes class
 * ids with `classNames`. Empty lines are skipped, fields are trimmed, a UTF-8 BOM is ignored, and
 * gzip-compressed files are decompressed.
 *
 * @param fileOrString - a file path (or `file:` URL, or Buffer with the file's bytes), or the CSV
 *   text itself (any string containing a line break is taken as CSV text)
 * @param options - `target` (default: last column), `header` (default `'auto'`), `delimiter` (default `,`)
 * @returns `{ x, y, columns, targetColumn, classNames? }`
 * @throws Error naming the line and column of a non-numeric or empty feature cell, or the parse problem
 * @example
 * ```ts
 * const { x, y, classNames } = nn.data.readCsv('iris.csv', { target: 'species' });
 * ```
 */
export function readCsv(fileOrString: string | URL | Uint8Array, options?: ReadCsvOptions): CsvData {
  const opts = checkOptions(options, 'options');
  checkKnownKeys(opts, ['target', 'header', 'delimiter'], 'options');
  const target = opts.target;
  if (target !== undefined) {
    if (typeof target === 'number') {
      if (!Number.isInteger(target)) throw rangeError('an integer column index or a column name', 'options.target', target);
    } else if (typeof target !== 'string' || target === '')
      throw typeError('an integer column index or a column name', 'options.target', target);
  }
  const header = opts.header === undefined ? 'auto' : opts.header;
  if (header !== 'auto' && typeof header !== 'boolean') throw typeError("true, false or 'auto'", 'options.header', header);
  const delimiter = opts.delimiter === undefined ? ',' : opts.delimiter;
  if (typeof delimiter !== 'string' || delimiter === '' || /[\r\n"]/.test(delimiter))
    throw typeError('a non-empty string without quotes or line breaks', 'options.delimiter', delimiter);

  const { text, name } = loadText(fileOrString);
  let rows: Row[];
  try {
    rows = parse(text, { delimiter, trim: true, skip_empty_lines: true, bom: true, info: true }) as unknown as Row[];
  } catch (err) {
    throw new Error(`Cannot parse ${name}: ${(err as Error).message}`, { cause: err });
  }
  if (rows.length === 0) throw new Error(`Cannot read ${name}: it has no rows`);
  const width = rows[0]!.record.length;

  let hasHeader: boolean;
  if (header === 'auto') {
    const first = rows[0]!.record;
    const second = rows[1]?.record;
    hasHeader = second
      ? first.some((cell, c) => !isNumeric(cell) && isNumeric(second[c] ?? ''))
      : first.some((cell) => !isNumeric(cell));
  } else hasHeader = header;
  const names = hasHeader ? rows[0]!.record.slice() : Array.from({ length: width }, (_, i) => String(i));
  const data = hasHeader ? rows.slice(1) : rows;
  if (width < 2)
    throw new Error(`Cannot read ${name}: it needs at least 2 columns (features and a target), but has ${width}`);
  if (data.length === 0) throw new Error(`Cannot read ${name}: it has no data rows`);

  let t: number;
  if (target === undefined) t = width - 1;
  else if (typeof target === 'number') {
    if (target < -width || target >= width)
      throw rangeError(`a column index from ${-width} to ${width - 1}`, 'options.target', target);
    t = target < 0 ? width + target : target;
  } else {
    if (!hasHeader)
      throw new RangeError(
        expectedMessage('a column index (the CSV has no header line)', 'options.target', describe(target)),
      );
    t = names.indexOf(target);
    if (t < 0) {
      const list = names.length <= 12 ? names.map((s) => JSON.stringify(s)).join(', ') : `${names.length} names`;
      throw rangeError(`one of the column names ${list}`, 'options.target', target);
    }
  }

  const where = (line: number, c: number) =>
    `line ${line}, column ${c + 1}${hasHeader ? ` (${JSON.stringify(names[c])})` : ''} of ${name}`;
  const n = data.length;
  const features = width - 1;
  const x = new Float32Array(n * features);
  const targetCells: string[] = new Array<string>(n);
  for (let r = 0; r < n; r++) {
    const { record, info } = data[r]!;
    let f = 0;
    for (let c = 0; c < width; c++) {
      const cell = record[c]!;
      if (c === t) {
        if (cell === '') throw new Error(expectedMessage('a target value', where(info.lines, c), 'an empty cell'));
        targetCells[r] = cell;
        continue;
      }
      if (!isNumeric(cell))
        throw new Error(
          expectedMessage('a number', where(info.lines, c), cell === '' ? 'an empty cell' : describe(cell)),
        );
      x[r * features + f++] = Number(cell);
    }
  }

  const y = new Float32Array(n);
  let classNames: string[] | undefined;
  if (targetCells.every(isNumeric)) {
    for (let r = 0; r < n; r++) y[r] = Number(targetCells[r]);
  } else {
    classNames = [...new Set(targetCells)].sort();
    const index = new Map(classNames.map((s, i) => [s, i]));
    for (let r = 0; r < n; r++) y[r] = index.get(targetCells[r]!)!;
  }
  const result: CsvData = {
    x: new Tensor(x, [n, features]),
    y: new Tensor(y, [n]),
    columns: names.filter((_, c) => c !== t),
    targetColumn: names[t]!,
  };
  if (classNames) result.classNames = classNames;
  return result;
}
