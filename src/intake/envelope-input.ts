import { z } from 'zod';
import { err, ok, type Result } from '../domain/result.ts';

/**
 * Reads what the publish command was given: a JSON array of envelopes, one JSON object, or JSON
 * lines (one envelope per line, blank lines ignored). Items are returned unjudged.
 */
export function parseEnvelopeInput(text: string): Result<unknown[], string> {
  const trimmed = text.trim();
  if (trimmed === '') return ok([]);
  const whole = tryParse(trimmed);
  if (whole.ok) {
    if (Array.isArray(whole.value)) return ok(whole.value);
    if (isObject(whole.value)) return ok([whole.value]);
    return err('input must be a JSON array, a JSON object or JSON lines');
  }
  if (trimmed.startsWith('[')) return err('input looks like a JSON array but is not valid JSON');
  const items: unknown[] = [];
  const lines = trimmed.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const item = tryParse(line);
    if (!item.ok) return err(`line ${index + 1} is not valid JSON`);
    items.push(item.value);
  }
  return ok(items);
}

/** What the publisher needs to route an item; full validation is the consumer's. */
export const Routable = z.looseObject({ eventId: z.string().min(1).max(128), type: z.string().min(1).max(255) });

function tryParse(text: string): Result<unknown, null> {
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    return err(null);
  }
}

const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);
