import { STAFF_EVENT_TYPES, type StaffEventType } from '../event-catalogue.ts';

/**
 * An event type pattern in a routing rule: an exact type (`billing.bill_generated`) or a glob
 * where `*` stands for any run of characters inside one dot-separated part (`package.*`,
 * `billing.*_received`). Nothing else is special, so a pattern never needs escaping.
 */
const PATTERN = /^[a-z0-9_*]+(\.[a-z0-9_*]+)*$/;

export type PatternProblem = { code: 'bad-glob'; message: string } | { code: 'unknown-event-type'; message: string };

/** Why `pattern` cannot be used in a rule, or null when it names at least one staff event type. */
export function eventTypePatternProblem(pattern: string): PatternProblem | null {
  if (!PATTERN.test(pattern) || pattern.includes('**')) {
    return {
      code: 'bad-glob',
      message: `"${pattern}" is not an event type pattern: use lower-case parts joined by dots, with * for any part of one (e.g. "package.*")`,
    };
  }
  if (staffTypesMatching(pattern).length === 0) {
    return {
      code: 'unknown-event-type',
      message: `"${pattern}" matches no staff event type; staff events are ${STAFF_EVENT_TYPES.join(', ')}`,
    };
  }
  return null;
}

export function matchesEventType(pattern: string, type: string): boolean {
  return compile(pattern).test(type);
}

export function staffTypesMatching(pattern: string): StaffEventType[] {
  return STAFF_EVENT_TYPES.filter((t) => matchesEventType(pattern, t));
}

const compiled = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (!regex) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.^$+?()[\]{}|\\]/g, '\\$&'))
      .join('[^.]*');
    regex = new RegExp(`^${body}$`);
    if (compiled.size < 1000) compiled.set(pattern, regex);
  }
  return regex;
}
