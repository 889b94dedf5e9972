import type { FieldIssue } from '../../domain/intake/envelope.ts';
import { builder } from '../builder.ts';

/**
 * The typed errors a mutation may answer with. Declare them on a field with
 * `errors: { types: [ValidationError, ...] }`; anything else thrown is masked by yoga.
 */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    /** What kind of problem: `invalid-envelope`, `invalid-payload`, `unknown-type`, `invalid-input`, ... */
    readonly kind: string,
    readonly issues: readonly FieldIssue[],
  ) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ') || kind);
  }
}

/**
 * A ValidationError as a plain value, for a union built by hand (publishEvent): graphql-js takes any
 * Error a resolver returns for a failure, and only fields with `errors: { types }` unwrap it.
 */
export const validationResult = (error: ValidationError): ValidationError => ({ name: error.name, message: error.message, kind: error.kind, issues: error.issues });

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(
    readonly what: string,
    readonly id: string,
  ) {
    super(`No ${what} with id ${id}`);
  }
}

/** The request is well-formed but the thing is not in a state that allows it; nothing changed. */
export class StateConflictError extends Error {
  override readonly name = 'StateConflictError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'Something the caller can fix; nothing was changed.',
  fields: (t) => ({ message: t.exposeString('message') }),
});

export const FieldIssueRef = builder.objectRef<FieldIssue>('FieldIssue').implement({
  description: 'One problem with the input: where (`data.patient.phone`) and which rule; never the value.',
  fields: (t) => ({ path: t.exposeString('path'), message: t.exposeString('message') }),
});

export const ValidationErrorRef = builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    kind: t.exposeString('kind'),
    issues: t.field({ type: [FieldIssueRef], resolve: (e) => [...e.issues] }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ id: t.exposeString('id') }),
});

builder.objectType(StateConflictError, {
  name: 'StateConflictError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ reason: t.exposeString('reason') }),
});
