import { createLogger } from '../../src/telemetry/logger.ts';

/** The lines a service's logger wrote (at info and above), to see what it met. */
export class LogLines {
  readonly lines: string[] = [];
  readonly logger = createLogger({ level: 'info', destination: { write: (line: string) => void this.lines.push(line) } });
  count(pattern: RegExp): number {
    return this.lines.filter((line) => pattern.test(line)).length;
  }
}
