import { builder } from '../builder.ts';
import type { Caller } from '../context.ts';

const RoleEnum = builder.enumType('Role', { values: ['admin', 'auditor', 'dashboard', 'ingest', 'frontdesk'] as const });

const ViewerRef = builder.objectRef<Caller>('Viewer').implement({
  description: 'Who the token is: a page shows only what its role may see and do.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The identity recorded on every change the token makes.' }),
    role: t.field({ type: RoleEnum, resolve: (c) => c.role }),
    centres: t.stringList({ nullable: true, description: "A front desk's centres (`*`: every one); null for other roles.", resolve: (c) => (c.centres ? [...c.centres] : null) }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    description: 'The caller, for any valid token.',
    authScopes: { admin: true, auditor: true, dashboard: true, ingest: true, frontdesk: true },
    resolve: (_root, _args, ctx) => ctx.caller!,
  }),
);
