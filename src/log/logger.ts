export type Verbosity = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Where batchwise writes what it is doing. Messages never contain API keys. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const ORDER: Verbosity[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** A logger writing to stderr from `level` up. */
export function consoleLogger(level: Verbosity): Logger {
  const at = ORDER.indexOf(level);
  const write = (own: Verbosity) => (message: string) => {
    if (ORDER.indexOf(own) >= at) console.error(`[batchwise] ${own}: ${message}`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
