import type { Config } from './config.js';

export type Logger = {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
};

const severity = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;

/** One line per event on stderr, so stdout stays free for what a script prints on purpose. */
export function createLogger(level: Config['logLevel'], write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Logger {
  const at = (name: keyof Logger) => (message: string) => {
    if (severity[name] >= severity[level]) write(`${new Date().toISOString()} ${name} ${message}`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
