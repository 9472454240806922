/**
 * The one-Buffer form of a saved model (for databases and object stores):
 *
 *   magic "SIMDNN\0\x01" (8 bytes; the last byte is this container's version)
 *   u32 LE length of the JSON
 *   the model.json text (UTF-8)
 *   the weights.bin bytes
 *   SHA-256 of everything above (32 bytes)
 *
 * The trailing checksum covers the JSON and the binary; the JSON also
 * carries the SHA-256 of the binary, as model.json does.
 */
import { createHash } from 'node:crypto';
import type { Sequential } from '../model.js';
import { checkBoolean, checkKnownKeys, checkOptions } from '../validate.js';
import { type ModelManifest, checkBinary, encodeModel, formatError, parseManifestText } from './format.js';

export const MAGIC = Buffer.from('SIMDNN\0\x01', 'latin1');
const HEADER = MAGIC.length + 4;
const TRAILER = 32;

/** The saved form of `model` in one Buffer. Synchronous. */
export function modelToBufferSync(model: Sequential, options: { includeOptimizer?: boolean } = {}): Buffer {
  const o = checkOptions(options, 'options');
  checkKnownKeys(o, ['includeOptimizer'], 'toBuffer options');
  const includeOptimizer =
    o.includeOptimizer === undefined ? true : checkBoolean(o.includeOptimizer, 'includeOptimizer');
  const { manifest, binary } = encodeModel(model, includeOptimizer);
  const json = Buffer.from(JSON.stringify(manifest), 'utf8');
  const out = Buffer.alloc(HEADER + json.length + binary.length + TRAILER);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(json.length, MAGIC.length);
  json.copy(out, HEADER);
  binary.copy(out, HEADER + json.length);
  const body = out.subarray(0, out.length - TRAILER);
  createHash('sha256').update(body).digest().copy(out, body.length);
  return out;
}

/** True when `bytes` starts like a model buffer (the first 7 magic bytes). */
export function hasMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 7 && Buffer.from(bytes.buffer, bytes.byteOffset, 7).equals(MAGIC.subarray(0, 7));
}

/** Splits and checks a model buffer; `source` names it in error messages. */
export function decodeModelBuffer(
  bytes: Uint8Array,
  source = 'the model buffer',
): { manifest: ModelManifest; binary: Uint8Array } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const what = `a model buffer from model.toBuffer() (starting with the bytes "SIMDNN\\0\\x01")`;
  if (!hasMagic(buf)) {
    const head = buf.subarray(0, 8);
    throw formatError(
      what,
      source,
      buf.length < 7 ? `${buf.length} bytes` : `bytes starting with ${JSON.stringify(head.toString('latin1'))}`,
    );
  }
  if (buf[7] !== MAGIC[7])
    throw formatError(
      `container version ${MAGIC[7]} (byte 8 of the buffer)`,
      source,
      `version ${buf[7]}: the buffer was written by a newer or different simdnn`,
    );
  if (buf.length < HEADER + TRAILER)
    throw formatError(
      `at least ${HEADER + TRAILER} bytes (header and checksum)`,
      source,
      `${buf.length} bytes: the buffer is truncated`,
    );
  const jsonLength = buf.readUInt32LE(MAGIC.length);
  if (jsonLength > buf.length - HEADER - TRAILER)
    throw formatError(
      `a JSON length of at most ${buf.length - HEADER - TRAILER} bytes (what the buffer holds)`,
      source,
      `${jsonLength}: the buffer is truncated or corrupted`,
    );
  const body = buf.subarray(0, buf.length - TRAILER);
  const digest = createHash('sha256').update(body).digest();
  if (!digest.equals(buf.subarray(buf.length - TRAILER)))
    throw formatError(
      'a buffer whose trailing SHA-256 matches its content',
      source,
      `a buffer of ${buf.length} bytes that does not match it: it was altered, corrupted or truncated`,
    );
  const json = buf.subarray(HEADER, HEADER + jsonLength).toString('utf8');
  const manifest = parseManifestText(json, `the model description in ${source}`);
  const binary = buf.subarray(HEADER + jsonLength, buf.length - TRAILER);
  checkBinary(manifest, binary, `the weights in ${source}`, `its model description`);
  return { manifest, binary };
}
