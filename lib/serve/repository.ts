/**
 * The models a server answers for. A model is given as an object (served as version 1) or a folder:
 * a saved model (model.json, version 1) or TF Serving's versioned layout (DIR/1/, DIR/2/, ...), where
 * the highest version that loads is served and the folder is polled for new versions: a new highest
 * version is loaded and served from the next batch on (batches already running finish on the old one).
 * A (version) folder with a preprocessing.json has it applied to its rows (./preprocess.ts); a model
 * object is served as it is.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadModel } from '../io/load.js';
import { Batcher, type BatchObserver } from './batcher.js';
import { PREPROCESSING_FILE, readRowTransform } from './preprocess.js';
import { Servable, isServable, type ServableModel } from './servable.js';

/** Loads the model in a folder (default: nn.loadModel). */
export type ModelLoader = (dir: string) => Promise<ServableModel>;

export const defaultLoader: ModelLoader = (dir) => loadModel(dir) as unknown as Promise<ServableModel>;

/** The version folders of `dir` (numeric names holding a model.json), highest first. */
function versionsIn(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^\d+$/.test(n) && Number(n) > 0 && existsSync(join(dir, n, 'model.json')))
    .map(Number)
    .sort((a, b) => b - a);
}

/** The modification times of the files a version is loaded from: it changed on disk when this does. */
function stampOf(dir: string): string {
  return ['model.json', 'weights.bin', PREPROCESSING_FILE]
    .map((f) => statSync(join(dir, f), { throwIfNoEntry: false })?.mtimeMs ?? '-')
    .join(',');
}

export class ModelEntry {
  current!: Servable;
  readonly batcher: Batcher;
  private loading = false;
  /** The files' stamp of each version that failed to load (not retried until it changes on disk). */
  private failed = new Map<number, string>();
  /** The files' stamp of the version served, read before it loaded. */
  private currentStamp = '';

  private constructor(
    readonly name: string,
    private readonly dir: string | undefined,
    private readonly versioned: boolean,
    private readonly loader: ModelLoader,
    maxBatch: number,
    maxDelayMs: number,
    observer: BatchObserver | undefined,
    private readonly log: (message: string) => void,
  ) {
    this.batcher = new Batcher(maxBatch, maxDelayMs, observer);
  }

  static async create(
    name: string,
    source: string | ServableModel,
    o: {
      loader: ModelLoader;
      maxBatch: number;
      maxDelayMs: number;
      observer?: BatchObserver;
      log: (message: string) => void;
    },
  ): Promise<ModelEntry> {
    if (typeof source !== 'string') {
      const e = new ModelEntry(name, undefined, false, o.loader, o.maxBatch, o.maxDelayMs, o.observer, o.log);
      e.current = new Servable(source, 1, `the model ${JSON.stringify(name)}`);
      return e;
    }
    const dir = resolve(source);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new Error(`Expected a model folder for the model ${JSON.stringify(name)}, but ${dir} is not a folder`);
    const versions = versionsIn(dir);
    const versioned = versions.length > 0;
    if (!versioned && !existsSync(join(dir, 'model.json')))
      throw new Error(
        `Expected a saved model (model.json) or version folders (1/, 2/, ...) in ${dir} for the model ${JSON.stringify(name)}, but it has neither`,
      );
    const e = new ModelEntry(name, dir, versioned, o.loader, o.maxBatch, o.maxDelayMs, o.observer, o.log);
    if (!versioned) e.current = await e.load(dir, 1);
    else {
      let lastError: unknown;
      for (const v of versions) {
        try {
          const stamp = stampOf(join(dir, String(v)));
          e.current = await e.load(join(dir, String(v)), v);
          e.currentStamp = stamp;
          break;
        } catch (err) {
          lastError = err;
          e.log(`model ${name}: version ${v} does not load: ${(err as Error).message}`);
        }
      }
      if (!e.current) throw lastError;
    }
    return e;
  }

  /** The default name of a model folder: its base name. */
  static nameOf(source: string): string {
    return basename(resolve(source));
  }

  private async load(dir: string, version: number): Promise<Servable> {
    const model = await this.loader(dir);
    if (!isServable(model))
      throw new TypeError(`The loader returned no servable model (predictAsync and inputShape) for ${dir}`);
    const plain = new Servable(model, version, dir);
    const transform = await readRowTransform(dir, plain.inputShape);
    if (!transform) return plain;
    this.log(`model ${this.name}: version ${version} standardizes its inputs with ${transform.file}`);
    return new Servable(model, version, dir, transform);
  }

  /**
   * Looks for a new highest version on disk and serves it once it loads. The version served is loaded
   * again when its files change: a folder written file by file (simdnn train writes preprocessing.json
   * after the model) may have been picked up before it was complete.
   */
  async poll(): Promise<void> {
    if (!this.versioned || this.loading || this.dir === undefined) return;
    const best = versionsIn(this.dir)[0];
    if (best === undefined) return;
    const path = join(this.dir, String(best));
    const stamp = stampOf(path);
    if (best === this.current.version && stamp === this.currentStamp) return;
    if (this.failed.get(best) === stamp) return;
    this.loading = true;
    try {
      const next = await this.load(path, best);
      const before = this.current.version;
      this.current = next;
      this.currentStamp = stamp;
      this.log(
        `model ${this.name}: serving version ${best} (${before === best ? 'its files changed' : `was ${before}`})`,
      );
    } catch (err) {
      this.failed.set(best, stamp);
      this.log(
        `model ${this.name}: version ${best} does not load (still serving ${this.current.version}): ${(err as Error).message}`,
      );
    } finally {
      this.loading = false;
    }
  }
}
