import { z } from 'zod';
import { toFieldIssues, type FieldIssue } from '../intake/envelope.ts';
import { err, ok, type Result } from '../result.ts';

/**
 * A person forgotten: the one event of erasure, in `erasure-<kind>:<id>`. It carries no personal
 * data: the person's id (upstream's identifier, as every count and stream already holds it), why,
 * who asked, and the keyed hashes of the contacts whose keys went with the person's (a number that
 * wrote to the clinic, an address that opted out). The keys are destroyed after it is recorded;
 * read models and pending work react to it. Unlike admin policy, it acts on everything recorded
 * before it: a rebuild shows `[erased]` there, because the keys are gone.
 */
export const ERASURE_EVENT_TYPES = { personErased: 'PersonErased' } as const;

export const ERASABLE_KINDS = ['patient', 'staff'] as const;
export type ErasableKind = (typeof ERASABLE_KINDS)[number];

export interface PersonErased {
  kind: ErasableKind;
  id: string;
  reason: string;
  actor: string;
  /** Keyed hashes (HMAC under the master key's contact-hash key) of the person's known contacts. */
  contacts: string[];
  erasedAt: string;
}

export const ErasePersonInput = z.object({
  kind: z.enum(ERASABLE_KINDS),
  id: z.string().trim().min(1).max(200),
  reason: z.string().trim().min(3, 'say why: the request it answers (a ticket, a letter)').max(500),
});
export type ErasePersonInput = z.input<typeof ErasePersonInput>;

/** The input checked, or the fields at fault (never their values). */
export function parseErasePerson(raw: unknown): Result<z.output<typeof ErasePersonInput>, FieldIssue[]> {
  const parsed = ErasePersonInput.safeParse(raw);
  return parsed.success ? ok(parsed.data) : err(toFieldIssues(parsed.error.issues));
}
