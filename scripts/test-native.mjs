// Builds and runs the standalone C++ kernel tests (test/native) with CMake:
// every ISA table this CPU supports is tested against the scalar oracle and
// fp64 references. With --arm64 it cross-compiles for AArch64 (NEON) and runs
// the tests under qemu-aarch64 (needs g++-aarch64-linux-gnu and qemu-user).
// With --emulate-avx512 the AVX-512 kernels are built on SIMDe's emulation of
// the AVX-512 intrinsics (needs libsimde-dev) and tested like the others, on a
// CPU without AVX-512 (qemu's x86 emulation has none either).
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const arm = process.argv.includes('--arm64');
const emulate = process.argv.includes('--emulate-avx512');
// One build folder per checkout (CMake refuses a cache made from another source folder).
const tag = createHash('sha256').update(root).digest('hex').slice(0, 12);
const build = join(tmpdir(), `simdnn-native-${arm ? 'arm64' : emulate ? 'avx512emu' : 'host'}-${tag}`);
const toolchain = arm
  ? ` -DCMAKE_TOOLCHAIN_FILE=${join(root, 'test/native/aarch64.cmake')}`
  : emulate
    ? ' -DSIMDNN_EMULATE_AVX512=ON'
    : '';
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' });
run(`cmake -S test/native -B ${build} -DCMAKE_BUILD_TYPE=Release${toolchain}`);
run(`cmake --build ${build} -j 2`);
run(`ctest --test-dir ${build} --output-on-failure`);
