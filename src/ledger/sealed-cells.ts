import { openJson, type DataKey, type DestroyedKey } from '../domain/keys/field-cipher.ts';
import { cellKeyIds, openCells } from '../domain/keys/sealed-cell.ts';
import type { DataKeyProvider } from './protected-event-store.ts';

/**
 * Opens the personal data the read models keep sealed (cells, sealed-cell.ts), for whatever must
 * show or use it: the API as it answers, a reaction about to plan from a stored visit, a reply
 * about to be sent. One trip to the key store for all the keys a value needs (most are cached);
 * a destroyed key reads `[erased]`.
 */
export class SealedCells {
  /** `keys` is null when the ledger keeps personal data in clear: nothing is sealed, nothing opens. */
  constructor(private readonly keys: Pick<DataKeyProvider, 'keysById'> | null) {}

  /** `value` (a row, a list of rows, any JSON) with every cell in it opened. */
  async open<T>(value: T): Promise<T> {
    if (!this.keys) return value;
    const keyIds = cellKeyIds(value);
    if (keyIds.size === 0) return value;
    const keys = await this.keys.keysById([...keyIds]);
    return openCells(value, (eventId, sealed) => {
      const key = keys.get(sealed.split('.', 3)[1]!) ?? null;
      if (key === null || isDestroyed(key)) return { ok: false };
      const opened = openJson(key, eventId, sealed);
      // A cell that does not open under its own key was altered or copied from elsewhere.
      if (!opened.ok) throw new Error(`A sealed read-model value of event ${eventId} does not open (${opened.error})`);
      return opened;
    }) as T;
  }
}

const isDestroyed = (key: DataKey | DestroyedKey): key is DestroyedKey => 'destroyed' in key;
