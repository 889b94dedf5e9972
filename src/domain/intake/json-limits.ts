/**
 * What one received JSON document may hold, besides its size in bytes. Every later walk over
 * received data (hashing, masking, logging, JSON Schema output) may then recurse freely: 32 levels
 * is far from any stack limit, and the counts bound the work and memory one message can cost.
 * A valid `doctor.emergency_leave` with 2,000 affected holds about 30,000 keys and nests 5 deep.
 */
export interface JsonLimits {
  /** Containers (objects, arrays) nested in one another; the document itself is level 1. */
  maxDepth: number;
  /** Array elements in the whole document. */
  maxArrayElements: number;
  /** Object keys in the whole document. */
  maxKeys: number;
  /** UTF-16 code units in any one string, keys included. */
  maxStringLength: number;
}

export const ENVELOPE_LIMITS: JsonLimits = Object.freeze({
  maxDepth: 32,
  maxArrayElements: 50_000,
  maxKeys: 100_000,
  maxStringLength: 64 * 1024,
});

export interface JsonLimitViolation {
  /** Where the limit was crossed: keys and indexes from the document's root. */
  path: PropertyKey[];
  /** Which rule, never the value. */
  message: string;
}

interface Frame {
  container: object;
  depth: number;
  parent: Frame | null;
  key: PropertyKey | null;
}

/**
 * The first limit `value` crosses, or null. Iterative with an explicit stack: the document may be
 * nested 10,000 deep, and this walk is what stands between it and every recursive one. It stops at
 * the first violation, so a hostile document costs no more than the limits allow.
 */
export function findJsonLimitViolation(value: unknown, limits: JsonLimits = ENVELOPE_LIMITS): JsonLimitViolation | null {
  if (typeof value === 'string') {
    return value.length > limits.maxStringLength ? { path: [], message: stringRule(limits) } : null;
  }
  if (value === null || typeof value !== 'object') return null;
  let elements = 0;
  let keys = 0;
  const stack: Frame[] = [{ container: value, depth: 1, parent: null, key: null }];
  // A child is checked where it is found: strings at once, containers when pushed, so the depth
  // rule fires before a 33rd level is ever visited.
  const visit = (child: unknown, frame: Frame, key: PropertyKey): JsonLimitViolation | null => {
    if (typeof child === 'string') {
      return child.length > limits.maxStringLength ? { path: [...pathOf(frame), key], message: stringRule(limits) } : null;
    }
    if (child === null || typeof child !== 'object') return null;
    const next: Frame = { container: child, depth: frame.depth + 1, parent: frame, key };
    if (next.depth > limits.maxDepth) return { path: pathOf(next), message: `nests deeper than ${limits.maxDepth} levels` };
    stack.push(next);
    return null;
  };
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const container = frame.container;
    if (Array.isArray(container)) {
      elements += container.length;
      if (elements > limits.maxArrayElements) {
        return { path: pathOf(frame), message: `holds more than ${limits.maxArrayElements} array elements in all` };
      }
      for (let i = 0; i < container.length; i++) {
        const found = visit(container[i], frame, i);
        if (found) return found;
      }
      continue;
    }
    const record = container as Record<string, unknown>;
    const names = Object.keys(record);
    keys += names.length;
    if (keys > limits.maxKeys) return { path: pathOf(frame), message: `holds more than ${limits.maxKeys} keys in all` };
    for (const name of names) {
      if (name.length > limits.maxStringLength) {
        return { path: pathOf(frame), message: `has a key longer than ${limits.maxStringLength} characters` };
      }
      const found = visit(record[name], frame, name);
      if (found) return found;
    }
  }
  return null;
}

const stringRule = (limits: JsonLimits) => `is longer than ${limits.maxStringLength} characters`;

/** Built only when a limit is crossed: the walk itself keeps parent links, not paths. */
function pathOf(frame: Frame): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let f: Frame | null = frame; f && f.key !== null; f = f.parent) path.push(f.key);
  return path.reverse();
}
