// The body of one measurement process: node bench/lib/child.mjs <module> '<json params>'.
// Imports the competitor module, calls its run(params) and prints the result
// as one line that the parent (harness.mjs) picks out of stdout.
import { pathToFileURL } from 'node:url';
import { RESULT_PREFIX } from './harness.mjs';

const [file, json] = process.argv.slice(2);
const mod = await import(pathToFileURL(file).href);
const result = await mod.run(JSON.parse(json));
process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
// Some peers keep handles open (thread pools, wasm workers): leave once done.
process.exit(0);
