import { openCells } from './sealed-cell.ts';

/**
 * `value` as it reads once the keys of all its cells are gone: each cell `[erased]`, each sealed
 * object its ids beside an erased shape. What a read model scrubbed on an erasure holds in place of
 * the person's cells, and what a rebuild copies from the erased events.
 */
export const erasedCells = <T>(value: T): T => openCells(value, () => ({ ok: false })) as T;
