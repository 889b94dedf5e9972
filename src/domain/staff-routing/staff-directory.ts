import { z } from 'zod';
import { Bcp47, E164, EmailAddress } from '../contact-schemas.ts';
import type { Channel } from '../event-catalogue.ts';
import type { InputIssue } from '../input-issue.ts';
import { err, ok, type Result } from '../result.ts';

/** The roles routing rules may target. A rule naming any other role is refused. */
export const STAFF_ROLES = [
  'admin',
  'billing',
  'finance',
  'accounts',
  'lab',
  'front_desk',
  'doctor',
  'nurse',
  'pharmacy',
  'manager',
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
export const isStaffRole = (role: string): role is StaffRole => (STAFF_ROLES as readonly string[]).includes(role);

/** How to reach a staff member on each channel; in-app needs no address (it is their staff id). */
export interface StaffContacts {
  email?: string;
  whatsapp?: string;
  sms?: string;
  /** FCM registration tokens, oldest first: a push goes to the newest. */
  pushTokens?: string[];
}

export interface StaffMember {
  id: string;
  name: string;
  roles: StaffRole[];
  centreIds: string[];
  contacts: StaffContacts;
  /** BCP 47; staff alerts are rendered in it when a template exists, else in English. */
  locale: string | null;
  active: boolean;
}

/**
 * A staff member's record lives in `staff-member-<id>`. Upserted carries the whole record as the
 * admin left it (staff contacts are kept here, and only here besides NotificationPlanned);
 * Deactivated keeps the record but stops every alert to them.
 */
export const STAFF_MEMBER_EVENT_TYPES = { upserted: 'StaffMemberUpserted', deactivated: 'StaffMemberDeactivated' } as const;

export interface StaffMemberUpserted extends StaffMember {
  at: string;
  actor: string;
}

export interface StaffMemberDeactivated {
  staffId: string;
  reason: string | null;
  at: string;
  actor: string;
}

export type StaffMemberEvent =
  | { type: typeof STAFF_MEMBER_EVENT_TYPES.upserted; data: StaffMemberUpserted }
  | { type: typeof STAFF_MEMBER_EVENT_TYPES.deactivated; data: StaffMemberDeactivated };

export const StaffId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, {
  message: 'must be 1-128 letters, digits or . _ : @ - and start with a letter or digit',
});

const StaffMemberShape = z.strictObject({
  id: StaffId,
  name: z.string().trim().min(1, { message: 'must not be empty' }).max(200),
  roles: z.array(z.string()).max(20),
  centreIds: z.array(z.string().min(1).max(128)).max(500),
  contacts: z
    .strictObject({
      email: EmailAddress.optional(),
      whatsapp: E164.optional(),
      sms: E164.optional(),
      pushTokens: z.array(z.string().min(1).max(4096)).max(20).optional(),
    })
    .default({}),
  locale: Bcp47.nullable().optional(),
  active: z.boolean().default(true),
});

/** Checks an admin's staff record: field paths name what is wrong, nothing is appended on error. */
export function parseStaffMember(input: unknown): Result<StaffMember, InputIssue[]> {
  const parsed = StaffMemberShape.safeParse(input);
  if (!parsed.success) {
    return err(parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(input)', code: 'invalid', message: i.message })));
  }
  const p = parsed.data;
  const issues: InputIssue[] = p.roles.flatMap((role, i) =>
    isStaffRole(role) ? [] : [{ field: `roles.${i}`, code: 'unknown-role', message: `unknown role "${role}"; roles are ${STAFF_ROLES.join(', ')}` }],
  );
  if (issues.length > 0) return err(issues);
  const contacts: StaffContacts = {};
  if (p.contacts.email) contacts.email = p.contacts.email;
  if (p.contacts.whatsapp) contacts.whatsapp = p.contacts.whatsapp;
  if (p.contacts.sms) contacts.sms = p.contacts.sms;
  if (p.contacts.pushTokens?.length) contacts.pushTokens = [...new Set(p.contacts.pushTokens)];
  return ok({
    id: p.id,
    name: p.name,
    roles: [...new Set(p.roles as StaffRole[])],
    centreIds: [...new Set(p.centreIds)],
    contacts,
    locale: p.locale ?? null,
    active: p.active,
  });
}

/** A member's record folded from their stream; null before the first upsert. */
export function evolveStaffMember(state: StaffMember | null, event: { type: string; data: unknown }): StaffMember | null {
  switch (event.type) {
    case STAFF_MEMBER_EVENT_TYPES.upserted: {
      const { at: _at, actor: _actor, ...member } = event.data as StaffMemberUpserted;
      return member;
    }
    case STAFF_MEMBER_EVENT_TYPES.deactivated:
      return state && { ...state, active: false };
    default:
      return state;
  }
}

export type StaffMemberRejection = { kind: 'invalid-input'; issues: InputIssue[] } | { kind: 'not-found'; staffId: string };

/** What an upsert appends: nothing when the record is already exactly this (a repeated request). */
export function decideUpsertStaffMember(
  current: StaffMember | null,
  input: unknown,
  context: { actor: string; now: Date },
): Result<{ member: StaffMember; event: StaffMemberUpserted | null }, StaffMemberRejection> {
  const parsed = parseStaffMember(input);
  if (!parsed.ok) return err({ kind: 'invalid-input', issues: parsed.error });
  const member = parsed.value;
  if (current && sameMember(current, member)) return ok({ member, event: null });
  return ok({ member, event: { ...member, at: context.now.toISOString(), actor: context.actor } });
}

export function decideDeactivateStaffMember(
  current: StaffMember | null,
  staffId: string,
  context: { actor: string; now: Date; reason?: string | null },
): Result<{ member: StaffMember; event: StaffMemberDeactivated | null }, StaffMemberRejection> {
  if (!current) return err({ kind: 'not-found', staffId });
  const member = { ...current, active: false };
  if (!current.active) return ok({ member, event: null });
  return ok({ member, event: { staffId, reason: context.reason ?? null, at: context.now.toISOString(), actor: context.actor } });
}

/** The address a message to this member goes to on `channel`, or null when they have none. */
export function staffAddressFor(member: StaffMember, channel: Channel): string | null {
  switch (channel) {
    case 'email':
      return member.contacts.email ?? null;
    case 'whatsapp':
      return member.contacts.whatsapp ?? null;
    case 'sms':
      return member.contacts.sms ?? null;
    case 'push':
      return member.contacts.pushTokens?.at(-1) ?? null;
    case 'in_app':
      return member.id;
  }
}

function sameMember(a: StaffMember, b: StaffMember): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(m: StaffMember) {
  return {
    ...m,
    roles: [...m.roles].sort(),
    centreIds: [...m.centreIds].sort(),
    contacts: { email: m.contacts.email, whatsapp: m.contacts.whatsapp, sms: m.contacts.sms, pushTokens: m.contacts.pushTokens },
  };
}
