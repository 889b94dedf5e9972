import { erasePerson, type ErasureDone } from '../../commands/erasure/erase-person.ts';
import { ERASABLE_KINDS } from '../../domain/erasure/person-erased.ts';
import { erasureReads } from '../../projections/erasure/erasure.queries.ts';
import { admins } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { actorOf } from '../context.ts';
import { StateConflictError, ValidationError } from './errors.ts';

const ErasableKindEnum = builder.enumType('ErasableKind', {
  description: 'Who can be erased: a patient by their id upstream, a staff member by their directory id.',
  values: Object.fromEntries(ERASABLE_KINDS.map((k) => [k.toUpperCase(), { value: k }])) as Record<Uppercase<(typeof ERASABLE_KINDS)[number]>, { value: (typeof ERASABLE_KINDS)[number] }>,
});

const PersonErasure = builder.objectRef<ErasureDone>('PersonErasure').implement({
  description:
    'A person forgotten: `PersonErased` recorded, their keys destroyed. From now on the API, the dashboard, timelines and a replay show `[erased]` ' +
    'where their data was; ids, statuses, counts, times, templates and provider ids stay.',
  fields: (t) => ({
    kind: t.field({ type: ErasableKindEnum, resolve: (e) => e.kind }),
    id: t.exposeID('id'),
    erasedAt: t.field({ type: 'DateTime', resolve: (e) => e.erasedAt }),
    position: t.exposeString('position', { description: 'The ledger position of the PersonErased event.' }),
    keysDestroyed: t.exposeInt('keysDestroyed', { description: "The person's keys and their contacts' keys destroyed by this erasure." }),
    contacts: t.exposeInt('contacts', { description: 'Addresses known to be theirs (by keyed hash) whose keys went with theirs.' }),
    suppressed: t.exposeInt('suppressed', { description: 'Notifications that were waiting to be sent, now suppressed as `erased`.' }),
  }),
});

builder.mutationField('erasePerson', (t) =>
  t.field({
    type: PersonErasure,
    description:
      'Erase a person (their right to be forgotten): records PersonErased (no personal data in it), destroys their keys, scrubs the read models ' +
      'and suppresses what is still pending for them. Acts on everything recorded before it; data given after it is new and has a new key.',
    authScopes: admins,
    errors: { types: [ValidationError, StateConflictError] },
    args: {
      kind: t.arg({ type: ErasableKindEnum, required: true }),
      id: t.arg.id({ required: true }),
      reason: t.arg.string({ required: true, description: 'Why: the request it answers (a ticket, a letter). Kept in the ledger: no personal data.' }),
    },
    resolve: async (_root, args, ctx) => {
      const result = await erasePerson(
        { ...ctx.services, reads: erasureReads(ctx.services.db, ctx.services.cells), sealing: ctx.services.erasure ?? null },
        { kind: args.kind, id: String(args.id), reason: args.reason },
        actorOf(ctx),
      );
      if (result.ok) return result.value;
      if (result.error.kind === 'invalid-input') throw new ValidationError('invalid-input', result.error.issues);
      throw new StateConflictError('not-sealed', 'Personal data is kept in clear on this ledger, so it cannot forget anyone: start with personal data sealed (the default).');
    },
  }),
);
