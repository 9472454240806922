// Lists the .cc files of the given folders for binding.gyp, so new kernel
// files join the build without editing it. Paths are relative to the package.
const fs = require('node:fs');
const path = require('node:path');
const root = path.join(__dirname, '..');
const out = [];
for (const dir of process.argv.slice(2)) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) continue;
  for (const f of fs.readdirSync(abs).sort()) if (f.endsWith('.cc')) out.push(`${dir}/${f}`);
}
process.stdout.write(out.join(' '));
