import type { Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';

/** One JSON line of the log, as pino wrote it. */
export type LogLine = { level: string; msg: string; [field: string]: unknown };

/** The app's own logger at `level`, writing to memory: what a test reads back, line by line and as written. */
export function captureLogs(level: Config['logLevel'] = 'debug'): { logger: Logger; lines: LogLine[]; text: () => string } {
  const written: string[] = [];
  const lines: LogLine[] = [];
  const logger = createLogger(level, {
    write(line: string) {
      written.push(line);
      lines.push(JSON.parse(line) as LogLine);
    },
  });
  return { logger, lines, text: () => written.join('') };
}
