/** Reading the bytes of a data file given as a path, a file URL or a buffer; gzip is detected and undone. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { typeError } from '../errors.js';

/** Bytes and a name for messages. */
export interface Source {
  bytes: Uint8Array;
  /** For messages: `<what> file "path"`, or `<what> buffer`. */
  name: string;
}

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EISDIR') return 'it is a directory';
  if (e.code === 'EACCES') return 'permission denied';
  return e.message ?? String(err);
}

/**
 * Reads `file` (a path, a `file:` URL, a Buffer or a Uint8Array). `what` names the kind of file in
 * error messages ("IDX", "CSV").
 */
export function readSource(file: unknown, argument: string, what: string): Source {
  if (file instanceof Uint8Array) return { bytes: file, name: `${what} buffer` };
  let path: string;
  if (typeof file === 'string' && file !== '') path = file;
  else if (file instanceof URL && file.protocol === 'file:') path = fileURLToPath(file);
  else throw typeError('a file path, a file URL or a Buffer', argument, file);
  try {
    return { bytes: readFileSync(path), name: `${what} file ${JSON.stringify(path)}` };
  } catch (err) {
    throw new Error(`Cannot read ${what} file ${JSON.stringify(path)}: ${reason(err)}`, { cause: err });
  }
}

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The bytes, decompressed when they are gzip data. */
export function gunzipIfNeeded(src: Source): Uint8Array {
  if (!isGzip(src.bytes)) return src.bytes;
  try {
    return gunzipSync(src.bytes);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const msg =
      code === 'Z_BUF_ERROR'
        ? 'the gzip data is truncated (unexpected end of file)'
        : code === 'Z_DATA_ERROR'
          ? `the gzip data is corrupt (${reason(err)})`
          : reason(err);
    throw new Error(`Cannot decompress ${src.name}: ${msg}`, { cause: err });
  }
}
