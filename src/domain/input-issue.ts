/**
 * One thing wrong with an admin's input: the field it is in (`targets.roles.1`,
 * `conditions.0.field`), a stable code clients can branch on, and a sentence for a person.
 */
export interface InputIssue {
  field: string;
  code: string;
  message: string;
}
