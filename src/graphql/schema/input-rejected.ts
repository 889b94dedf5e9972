import type { InputIssue } from '../../domain/input-issue.ts';
import { builder } from '../builder.ts';
import { ErrorInterface } from './errors.ts';

/** An admin's input broke a rule of the domain (an unknown role, an empty channel list, ...); nothing was appended. */
export class InputRejected extends Error {
  override readonly name = 'InputRejected';
  constructor(readonly issues: readonly InputIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; ') || 'invalid input');
  }
}

const InputIssueRef = builder.objectRef<InputIssue>('InputIssue').implement({
  description: 'One problem with an admin input: the field (`targets.roles.1`), a stable code and a sentence.',
  fields: (t) => ({
    field: t.exposeString('field'),
    code: t.exposeString('code', {
      description: 'e.g. unknown-role, empty-channels, unknown-channel, bad-glob, unknown-event-type, unknown-field, non-numeric-field, bad-value, no-targets, unknown-staff-member, invalid.',
    }),
    message: t.exposeString('message'),
  }),
});

builder.objectType(InputRejected, {
  name: 'InputRejected',
  interfaces: [ErrorInterface],
  fields: (t) => ({ issues: t.field({ type: [InputIssueRef], resolve: (e) => [...e.issues] }) }),
});
