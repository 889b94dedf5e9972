import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * The service's logger. Log ids (event, notification, centre, position), never bodies, names,
 * phones or emails in clear: mask with `maskAddress`. The redact list is the safety net for a
 * field that slips through.
 */
export function createLogger(options: { level?: string; name?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'clinic-notification-ledger',
      level: options.level ?? 'info',
      redact: {
        paths: [
          'phone', 'email', 'to', 'address', 'body', 'data', 'variables', 'rendered',
          '*.phone', '*.email', '*.name', '*.to', '*.address', '*.body', '*.data', '*.variables', '*.rendered',
          'patient', '*.patient', 'recipient.address', 'recipient.name',
        ],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}

/** A logger that writes nothing, for tests and tools that do not care. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
