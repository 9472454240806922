/**
 * The `simdnn` command line: `simdnn train`, `simdnn predict`, `simdnn quantize`, `simdnn serve`, `simdnn info`. Mistakes in the command
 * line exit with code 2 and a message; other failures with code 1 (stack traces only with
 * SIMDNN_DEBUG=1).
 */
import { createRequire } from 'node:module';
import { UsageError, suggest } from './args.js';
import { INFO_HELP, MAIN_HELP, PREDICT_HELP, QUANTIZE_HELP, SERVE_HELP, TRAIN_HELP } from './help.js';

const COMMANDS = ['train', 'predict', 'quantize', 'serve', 'info'] as const;
type Command = (typeof COMMANDS)[number];
const HELP: Record<Command, string> = {
  train: TRAIN_HELP,
  predict: PREDICT_HELP,
  quantize: QUANTIZE_HELP,
  serve: SERVE_HELP,
  info: INFO_HELP,
};

function version(): string {
  const require = createRequire(import.meta.url);
  return (require('../../package.json') as { version: string }).version;
}

async function run(command: Command, argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP[command]);
    return;
  }
  switch (command) {
    case 'train':
      return (await import('./train.js')).train(argv);
    case 'predict':
      return (await import('./predict.js')).predict(argv);
    case 'quantize':
      return (await import('./quantize.js')).quantize(argv);
    case 'serve':
      return (await import('./serve.js')).serveCommand(argv);
    case 'info': {
      const { parse } = await import('./args.js');
      parse('info', argv, { help: { type: 'boolean', short: 'h' } });
      const { info } = await import('../system.js');
      const i = info();
      console.log(`simdnn ${i.version}`);
      console.log(`kernels: ${i.isa} (available: ${i.availableIsas.join(', ')})`);
      console.log(`threads: ${i.threads} (physical cores: ${i.physicalCores})`);
      console.log(
        `node: ${process.version}, N-API ${i.napiVersion}, ${i.prebuilt ? 'prebuilt binary' : 'local build'}`,
      );
      return;
    }
  }
}

/** Runs the CLI on `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  let command: Command | undefined;
  try {
    if (first === undefined) {
      process.stderr.write(MAIN_HELP);
      return 2;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      const topic = rest[0] as Command | undefined;
      process.stdout.write(topic && COMMANDS.includes(topic) ? HELP[topic] : MAIN_HELP);
      return 0;
    }
    if (first === '--version' || first === '-v') {
      console.log(version());
      return 0;
    }
    if (!(COMMANDS as readonly string[]).includes(first)) {
      const hint = suggest(first, COMMANDS);
      throw new UsageError(
        `Expected one of the commands ${COMMANDS.join(', ')} for simdnn, but received ${JSON.stringify(first)}${hint ? ` (did you mean ${hint}?)` : ''}`,
      );
    }
    command = first as Command;
    await run(command, rest);
    return 0;
  } catch (err) {
    const name = `simdnn${command ? ` ${command}` : ''}`;
    if (err instanceof UsageError) {
      const helpCmd = err.command ?? command;
      process.stderr.write(`${name}: ${err.message}\nRun "simdnn ${helpCmd ? `${helpCmd} ` : ''}--help" for usage.\n`);
      return 2;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    if (process.env.SIMDNN_DEBUG) process.stderr.write(`${e.stack ?? e.message}\n`);
    else process.stderr.write(`${name}: error: ${e.message}\n`);
    return 1;
  }
}
