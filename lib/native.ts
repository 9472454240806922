/**
 * Loads the compiled addon: a local build (`build/Release`, then `build/Debug`) first, then the
 * prebuilt binary in `prebuilds/<platform>-<arch>/`. A candidate that exists but does not load (a
 * local build made for another architecture, say) is passed over for the next one. When nothing
 * loads, the error names the platform, what was tried and why it failed, the prebuilt binaries the
 * package holds, and the commands that build from source.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeAddon } from './native-types.js';

const require = createRequire(import.meta.url);
/** The package root: `..` from both `lib/` (sources under test) and `dist/` (the build). */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url));
/** The platform tag of this process, as prebuilds/ names its folders (`linux-x64`, `linux-arm64`, …). */
export const platformTag = `${process.platform}-${process.arch}`;

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** The prebuilt binaries in this package, as `<platform>-<arch>` folder names. */
export function prebuildsPresent(root = packageRoot): string[] {
  return listDir(join(root, 'prebuilds')).filter((d) => listDir(join(root, 'prebuilds', d)).some(isAddon));
}

function isAddon(file: string): boolean {
  return file.endsWith('.node');
}

/** The files worth trying, in order: local builds, then this platform's prebuilds. */
function candidates(root: string): { path: string; missing: boolean }[] {
  const list = ['Release', 'Debug'].map((d) => {
    const path = join(root, 'build', d, 'simdnn.node');
    return { path, missing: !existsSync(path) };
  });
  const dir = join(root, 'prebuilds', platformTag);
  const files = listDir(dir).filter(isAddon);
  if (files.length === 0) list.push({ path: join(dir, '*.node'), missing: true });
  for (const f of files) list.push({ path: join(dir, f), missing: false });
  return list;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!;
}

function load(): { addon: NativeAddon; path: string } {
  // An explicit binary (the sanitizer build of `npm run test:sanitize`, or a debug build) wins.
  const forced = process.env.SIMDNN_ADDON_PATH;
  if (forced) {
    try {
      return { addon: require(forced) as NativeAddon, path: forced };
    } catch (e) {
      throw new Error(
        `simdnn could not load the native addon named by SIMDNN_ADDON_PATH (${forced}): ${(e as Error).message}`,
        { cause: e },
      );
    }
  }
  const tried: string[] = [];
  let lastError: unknown;
  for (const c of candidates(packageRoot)) {
    if (c.missing) {
      tried.push(`${c.path}: not present`);
      continue;
    }
    try {
      return { addon: require(c.path) as NativeAddon, path: c.path };
    } catch (e) {
      const msg = (e as Error).message;
      // The addon loaded but refused the ISA forced with SIMDNN_ISA: that message is the answer.
      if (msg.includes('SIMDNN_ISA')) throw new Error(msg, { cause: e });
      tried.push(`${c.path}: ${firstLine(msg)}`);
      lastError = e;
    }
  }
  const present = prebuildsPresent();
  throw new Error(
    `simdnn has no native addon that loads on ${platformTag} (Node ${process.version}, ` +
      `N-API ${process.versions.napi}). Tried:\n  ${tried.join('\n  ')}\n` +
      `Prebuilt binaries in this package: ${present.length ? present.join(', ') : 'none'}` +
      (present.includes(platformTag) ? '.\n' : ` (none for ${platformTag}).\n`) +
      `Build it from source (needs a C++17 compiler, make and python3):\n` +
      `  npm rebuild simdnn --build-from-source     (in a project that depends on simdnn)\n` +
      `  cd node_modules/simdnn && npx node-gyp rebuild   (the same, by hand)\n` +
      `  npm run build                              (in a clone of the simdnn repository)`,
    { cause: lastError },
  );
}

const loaded = load();
export const native: NativeAddon = loaded.addon;
export const nativePath: string = loaded.path;
/** True only when the binary came from `prebuilds/`, not from a local build. */
export const prebuilt: boolean = nativePath.split(/[\\/]/).includes('prebuilds');
export const hasLocalBuild = existsSync(join(packageRoot, 'build', 'Release', 'simdnn.node'));
