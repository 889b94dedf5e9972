import type { z } from 'zod';

/** Parses a provider's body against a schema; anything unreadable is `undefined`, never a throw. */
export function parseJson<T>(text: string, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
