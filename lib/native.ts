/**
 * Loads the compiled addon: `build/Release` first (a local build), then the
 * prebuilt binary in `prebuilds/<platform>-<arch>/`. When nothing loads, the
 * error lists what was tried and how to build from source.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeAddon } from './native-types.js';

const require = createRequire(import.meta.url);
/** The package root: `..` from both `lib/` (sources under test) and `dist/` (the build). */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url));

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
  const gypBuild = require('node-gyp-build') as { path(dir: string): string };
  let path: string;
  try {
    path = gypBuild.path(packageRoot);
  } catch (e) {
    const tried = [
      join(packageRoot, 'build', 'Release', 'simdnn.node'),
      join(packageRoot, 'build', 'Debug', 'simdnn.node'),
      join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`, '*.node'),
    ];
    throw new Error(
      `simdnn could not find its native addon for ${process.platform}-${process.arch} (Node ${process.version}, ` +
        `N-API ${process.versions.napi}). Tried:\n  ${tried.join('\n  ')}\n` +
        `No prebuilt binary fits this platform. Build it from source with a C++17 compiler, make and python3:\n` +
        `  npm rebuild simdnn        (in a project that depends on simdnn)\n` +
        `  npm run build             (in a clone of the simdnn repository)\n` +
        `Cause: ${(e as Error).message}`,
      { cause: e },
    );
  }
  try {
    return { addon: require(path) as NativeAddon, path };
  } catch (e) {
    const msg = (e as Error).message;
    if (msg.includes('SIMDNN_ISA')) throw new Error(msg, { cause: e });
    throw new Error(
      `simdnn found its native addon at ${path} but could not load it: ${msg}\n` +
        `Rebuild it from source: npm rebuild simdnn (or npm run build in the repository).`,
      { cause: e },
    );
  }
}

const loaded = load();
export const native: NativeAddon = loaded.addon;
export const nativePath: string = loaded.path;
/** True only when the binary came from `prebuilds/`, not from a local build. */
export const prebuilt: boolean = nativePath.split(/[\\/]/).includes('prebuilds');
export const hasLocalBuild = existsSync(join(packageRoot, 'build', 'Release', 'simdnn.node'));
