import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../../domain/clock.ts';
import { E164, EmailAddress } from '../../domain/contact-schemas.ts';
import { EventId, toFieldIssues, type FieldIssue } from '../../domain/intake/envelope.ts';
import { CHANNELS } from '../../domain/event-catalogue.ts';
import { PREFERENCE_EVENT_TYPES, type ContactOptedIn, type ContactOptedOut } from '../../domain/notifications/preference-events.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { streamName } from '../../domain/stream-name.ts';
import { formatPosition, type EventStore } from '../../ledger/event-store.ts';
import { handleCommand } from '../handle-command.ts';

const PreferenceInput = z
  .object({
    patientId: EventId,
    channel: z.enum(CHANNELS),
    optedIn: z.boolean(),
    address: z.string().nullish(),
  })
  .superRefine((input, context) => {
    if (input.address == null) return;
    const rule = input.channel === 'email' ? EmailAddress : input.channel === 'whatsapp' || input.channel === 'sms' ? E164 : z.string().min(1).max(4096);
    const checked = rule.safeParse(input.address);
    if (!checked.success) for (const issue of checked.error.issues) context.addIssue({ code: 'custom', path: ['address'], message: issue.message });
  });

export type PreferenceInput = z.input<typeof PreferenceInput>;

export interface PreferenceChanged {
  patientId: string;
  channel: (typeof CHANNELS)[number];
  optedIn: boolean;
  address: string | null;
  at: string;
  position: string;
}

/**
 * A patient's opt-out of (or back into) a channel, made by an admin on their behalf. Recorded in the
 * patient's preference stream with the admin as actor; planning after it honours it.
 */
export async function setChannelPreference(
  deps: { store: EventStore; clock: Clock },
  raw: PreferenceInput,
  actor: string,
): Promise<Result<PreferenceChanged, FieldIssue[]>> {
  const parsed = PreferenceInput.safeParse(raw);
  if (!parsed.success) return err(toFieldIssues(parsed.error.issues));
  const { patientId, channel, optedIn } = parsed.data;
  const address = parsed.data.address ?? null;
  // The last preference written wins, so there is nothing to read or race: append at 'any'.
  const result = await handleCommand(deps.store, streamName.personPreference(patientId), { initialState: null, evolve: () => null }, (_state, eventId: string, now) => {
    const at = now.toISOString();
    const data: ContactOptedOut | ContactOptedIn = optedIn
      ? { channel, address, personId: patientId, at, actor }
      : { channel, address, personId: patientId, reason: 'admin', at, actor };
    return ok({ answer: at, events: [{ id: eventId, type: optedIn ? PREFERENCE_EVENT_TYPES.optedIn : PREFERENCE_EVENT_TYPES.optedOut, data, metadata: { actor } }] });
  }, { command: randomUUID(), clock: deps.clock, start: 'append-any' });
  if (!result.ok) throw new Error('an append at any revision cannot conflict');
  return ok({ patientId, channel, optedIn, address, at: result.value.answer, position: formatPosition(result.value.position!) });
}
