import { z } from 'zod';

/**
 * The staff of the three demo centres, so the staff events of the day (bills, refunds, deposits,
 * packages, lab orders) reach someone through the default routing rules (by role, at the event's
 * centre, by email and in-app).
 */
export const DEMO_STAFF = [
  { id: 'staff-kiran-shetty', name: 'Kiran Shetty', roles: ['billing', 'accounts'], centreIds: ['arogya-blr-indiranagar'], email: 'kiran.shetty@example.com' },
  { id: 'staff-deepa-nair', name: 'Deepa Nair', roles: ['finance'], centreIds: ['arogya-blr-indiranagar', 'arogya-mum-andheri'], email: 'deepa.nair@example.com' },
  { id: 'staff-ravi-prakash', name: 'Ravi Prakash', roles: ['front_desk'], centreIds: ['arogya-blr-indiranagar'], email: 'ravi.prakash@example.com' },
  { id: 'staff-anjali-rao', name: 'Anjali Rao', roles: ['lab'], centreIds: ['arogya-blr-indiranagar'], email: 'anjali.rao@example.com' },
  { id: 'staff-sameer-khan', name: 'Sameer Khan', roles: ['billing', 'accounts', 'front_desk', 'lab'], centreIds: ['arogya-mum-andheri'], email: 'sameer.khan@example.com' },
  { id: 'staff-amit-sharma', name: 'Amit Sharma', roles: ['billing', 'finance', 'accounts', 'front_desk', 'lab'], centreIds: ['arogya-del-lajpat'], email: 'amit.sharma@example.com', locale: 'hi' },
] as const;

const OPT_OUT = `mutation($patientId: ID!) {
  setChannelPreference(patientId: $patientId, channel: whatsapp, optedIn: false) { __typename ... on Error { message } }
}`;

/**
 * One patient told the front desk to stop WhatsApp messages: an admin records it, and the day's
 * messages to them fall back to SMS. Repeating it changes nothing.
 */
export async function optOutOfWhatsApp(baseUrl: string, adminToken: string, patientId: string): Promise<void> {
  const response = await fetch(new URL('/graphql', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ query: OPT_OUT, variables: { patientId } }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = Answer.parse(await response.json());
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  const result = z.object({ setChannelPreference: z.object({ __typename: z.string(), message: z.string().optional() }) }).parse(body.data).setChannelPreference;
  if (result.message) throw new Error(result.message);
}

/** The centre whose nights are quiet in the demo: its non-urgent messages wait for the morning. */
export const DEMO_QUIET_CENTRE = 'arogya-del-lajpat';

const QUIET = `mutation($centreId: ID!) {
  setQuietHours(centreId: $centreId, from: "22:00", until: "07:00") { __typename ... on Error { message } }
}`;

/** Quiet hours at one centre, 22:00 to 07:00 with the default urgent types. Repeating it changes nothing that matters. */
export async function setDemoQuietHours(baseUrl: string, adminToken: string): Promise<void> {
  const response = await fetch(new URL('/graphql', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ query: QUIET, variables: { centreId: DEMO_QUIET_CENTRE } }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = Answer.parse(await response.json());
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  const result = z.object({ setQuietHours: z.object({ __typename: z.string(), message: z.string().optional() }) }).parse(body.data).setQuietHours;
  if (result.message) throw new Error(result.message);
}

const UPSERT = `mutation($input: StaffMemberInput!) {
  upsertStaffMember(input: $input) { __typename ... on Error { message } }
}`;
const LIST = `query { staffMembers { id } }`;

const Answer = z.object({
  data: z.unknown().optional(),
  errors: z.array(z.object({ message: z.string() })).optional(),
});

/**
 * Puts the demo staff in the directory with an admin token (an unchanged member changes nothing),
 * then waits until the directory shows them. Returns how many are there.
 */
export async function ensureDemoStaff(baseUrl: string, adminToken: string, timeoutMs = 15_000): Promise<number> {
  const endpoint = new URL('/graphql', baseUrl);
  const call = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = Answer.parse(await response.json());
    if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
    return body.data;
  };
  for (const member of DEMO_STAFF) {
    const { email, locale, ...rest } = { locale: undefined, ...member };
    const data = await call(UPSERT, { input: { ...rest, roles: [...rest.roles], centreIds: [...rest.centreIds], contacts: { email }, ...(locale ? { locale } : {}) } });
    const result = z.object({ upsertStaffMember: z.object({ __typename: z.string(), message: z.string().optional() }) }).parse(data).upsertStaffMember;
    if (result.__typename !== 'StaffMember') throw new Error(`staff member ${member.id}: ${result.message ?? result.__typename}`);
  }
  const wanted = new Set<string>(DEMO_STAFF.map((m) => m.id));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed = z.object({ staffMembers: z.array(z.object({ id: z.string() })) }).parse(await call(LIST)).staffMembers;
    const present = listed.filter((m) => wanted.has(m.id)).length;
    if (present === wanted.size || Date.now() > deadline) return present;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
