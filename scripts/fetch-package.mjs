// Downloads an npm package's tarball with `npm pack` and unpacks it into a folder, once: the test
// scripts' way to get binaries for other platforms (an arm64 or Windows Node, bundler bindings,
// Node-API headers) that `npm ci` on this machine does not install.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Unpacks `spec` (name@version) into `dir` unless `dir` already holds a package.json. */
export function fetchPackage(spec, dir) {
  if (existsSync(join(dir, 'package.json'))) return;
  mkdirSync(dir, { recursive: true });
  const name = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', dir], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop();
  execFileSync('tar', ['-xzf', join(dir, name), '-C', dir, '--strip-components=1']);
}
