import { isSealed } from './field-cipher.ts';
import { ERASED, erasedShape, SEALED_FIELD, SHAPE_FIELD } from './personal-data.ts';

/*
 * Personal data in the read models, kept as the ledger keeps it: sealed. A read model that copies a
 * person's phone, name or words out of an event copies the event's own ciphertext instead, with
 * what is needed to open it and to take the value out:
 *   pdc1.<event id>.<pick>.<the ledger's sealed part>           (event id and pick base64url)
 * The ciphertext names its key and is bound to the event's id, so a cell opens exactly where the
 * event does: with the person's key, and never once the key is destroyed. Erasing a person thus
 * makes every copy unreadable at once, in the read models and in their backups too. A rebuild copies
 * the same bytes, so a replay compares cells as they are.
 *
 * A sealed object whose ids stay in clear (a patient: `id` kept) is copied the same way the ledger
 * keeps it, `{ id, $cell, $shape }`: the ids stay usable in SQL and in code, the rest opens on read.
 *
 * A cell is copied whether or not its key still exists: a rebuild after an erasure, or after the
 * words of a month aged out, copies the same bytes the live row holds, and both open to `[erased]`.
 * Nothing has to be rewritten when a key goes.
 */

export const CELL_FIELD = '$cell';
const CELL_FORMAT = 'pdc1';
const CELL = /^pdc1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)\.(pd1\..+)$/;

/** An event as the read models get it: opened data, and the sealed data the ledger holds, when there is any. */
export interface SealedSource {
  readonly id: string;
  readonly data: unknown;
  readonly sealed?: { readonly data: unknown } | undefined;
}

type Path = readonly (string | number)[];
type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

const at = (value: unknown, path: Path): unknown => {
  let node = value;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
};

/** A cell for the value at `pick` inside the sealed part `sealed` of event `eventId`. */
export function cellOf(eventId: string, sealed: string, pick: Path = []): string {
  const picked = pick.length === 0 ? '' : Buffer.from(JSON.stringify(pick), 'utf8').toString('base64url');
  return `${CELL_FORMAT}.${Buffer.from(eventId, 'utf8').toString('base64url')}.${picked}.${sealed}`;
}

/** Whether `value` is a cell (by its form; whether it opens needs the key). */
export const isCell = (value: unknown): value is string => typeof value === 'string' && value.startsWith(`${CELL_FORMAT}.`) && CELL.test(value);

/** A cell's parts, or null when it is none. */
export function parseCell(cell: string): { eventId: string; pick: Path; sealed: string } | null {
  const match = CELL.exec(cell);
  if (!match || !isSealed(match[3])) return null;
  const pick = match[2] === '' ? [] : (JSON.parse(Buffer.from(match[2]!, 'base64url').toString('utf8')) as Path);
  return { eventId: Buffer.from(match[1]!, 'base64url').toString('utf8'), pick, sealed: match[3]! };
}

const keyIdInside = (sealed: string): string => sealed.split('.', 3)[1]!;

/**
 * What a read model keeps of the value at `path` of `event`'s data: that value, with every part of
 * it the ledger sealed copied as a cell. Without sealing (a ledger kept in clear) it is the value itself.
 */
export function sealedAt<T = unknown>(event: SealedSource, path: Path): T {
  if (!event.sealed) return at(event.data, path) as T;
  let stored: unknown = event.sealed.data;
  for (let i = 0; i < path.length; i++) {
    if (isSealed(stored)) return cellOf(event.id, stored, path.slice(i)) as T;
    if (isObject(stored) && isSealed(stored[SEALED_FIELD]) && !(path[i]! in stored)) return cellOf(event.id, stored[SEALED_FIELD], path.slice(i)) as T;
    stored = at(stored, [path[i]!]);
  }
  return cellsIn(event.id, stored) as T;
}

/** `stored` with each sealed part a cell. */
function cellsIn(eventId: string, stored: unknown): unknown {
  if (isSealed(stored)) return cellOf(eventId, stored);
  if (Array.isArray(stored)) return stored.map((item) => cellsIn(eventId, item));
  if (!isObject(stored)) return stored;
  const sealed = stored[SEALED_FIELD];
  if (isSealed(sealed)) {
    const { [SEALED_FIELD]: _sealed, [SHAPE_FIELD]: shape, ...kept } = stored;
    return { ...kept, [CELL_FIELD]: cellOf(eventId, sealed), [SHAPE_FIELD]: shape };
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(stored)) out[key] = cellsIn(eventId, value);
  return out;
}

/** What opening a cell gives: the value, or the fact that its key is gone. */
export type OpenedCell = { ok: true; value: unknown } | { ok: false };

/**
 * `value` with every cell in it opened by `open` (which opens a ledger ciphertext for its event
 * id), wherever it sits: a cell string becomes its value, `[erased]` once its key is gone; a cell
 * object gets its fields back beside its ids, or an erased shape. Unchanged parts stay the same
 * objects.
 */
export function openCells(value: unknown, open: (eventId: string, sealed: string) => OpenedCell): unknown {
  if (typeof value === 'string') {
    if (!isCell(value)) return value;
    const cell = parseCell(value);
    if (!cell) return value;
    const opened = open(cell.eventId, cell.sealed);
    if (!opened.ok) return ERASED;
    const picked = at(opened.value, cell.pick);
    return picked === undefined ? null : picked;
  }
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = openCells(item, open);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  if (!isObject(value)) return value;
  const cellText = value[CELL_FIELD];
  if (typeof cellText === 'string' && isCell(cellText)) {
    const { [CELL_FIELD]: _cell, [SHAPE_FIELD]: shape, ...kept } = value;
    const cell = parseCell(cellText);
    const opened = cell ? open(cell.eventId, cell.sealed) : { ok: false as const };
    if (opened.ok && isObject(opened.value)) return { ...kept, ...opened.value };
    return { ...kept, ...erasedShape(isObject(shape) ? shape : {}) };
  }
  let changed = false;
  const out: Json = {};
  for (const [key, item] of Object.entries(value)) {
    const next = openCells(item, open);
    if (next !== item) changed = true;
    out[key] = next;
  }
  return changed ? out : value;
}

/** The ids of the keys every cell in `value` needs. */
export function cellKeyIds(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') {
    if (isCell(value)) {
      const cell = parseCell(value);
      if (cell) into.add(keyIdInside(cell.sealed));
    }
  } else if (Array.isArray(value)) {
    for (const item of value) cellKeyIds(item, into);
  } else if (isObject(value)) {
    for (const item of Object.values(value)) cellKeyIds(item, into);
  }
  return into;
}
