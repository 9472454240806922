#!/usr/bin/env node
/** The `simdnn` executable (package.json "bin"); see ./run.ts. */
import { main } from './run.js';

process.exitCode = await main(process.argv.slice(2));
