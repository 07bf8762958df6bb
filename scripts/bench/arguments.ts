/**
 * The command line of the benchmark and the soak: their own options, plus `--redis URL` (Redis
 * between server instances; `REDIS_URL` or the local one by default) and `--help`, which prints
 * the usage and exits.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

const COMMON = {
  redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  help: { type: 'boolean', default: false },
} as const satisfies OptionsConfig;

type Parsed<Options extends OptionsConfig> = ReturnType<typeof parseArgs<{ options: Options & typeof COMMON; strict: true }>>['values'];

export function parseScriptArguments<const Options extends OptionsConfig>(usage: string, options: Options): Parsed<Options> {
  const config = { args: process.argv.slice(2), options: { ...options, ...COMMON }, strict: true as const };
  const { values } = parseArgs<{ options: Options & typeof COMMON; strict: true }>(config);
  if ((values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return values;
}
