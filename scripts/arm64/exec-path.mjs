// Preloaded (NODE_OPTIONS=--import) into every Node that `npm run test:arm64` starts. qemu-user
// runs one arm64 program but cannot start arm64 children by itself (this machine has no binfmt_misc
// entry for them), so in the arm64 Node process.execPath is pointed at a shell script that runs the
// same Node under qemu: vitest's forks and the tests' child processes then start as they would on
// an arm64 machine. The x86-64 Node that npm itself runs on is left alone.
if (process.arch === 'arm64' && process.env.SIMDNN_ARM64_NODE_WRAPPER) {
  process.execPath = process.env.SIMDNN_ARM64_NODE_WRAPPER;
}
