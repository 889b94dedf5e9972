import type { ConversationSummary, Thread } from './conversation-documents.ts';

export type ConversationChange =
  | { kind: 'reset' }
  | { kind: 'upsert'; conversation: ConversationSummary; isNew: boolean }
  | { kind: 'connection' };

/** The Conversations page's list: the conversations as last seen, newest message first. */
export class ConversationStore {
  readonly #rows = new Map<string, ConversationSummary>();
  readonly #listeners = new Set<(change: ConversationChange) => void>();
  connection: 'connecting' | 'live' | 'reconnecting' = 'connecting';
  connectionDetail = '';

  listen(listener: (change: ConversationChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get rows(): ConversationSummary[] {
    return [...this.#rows.values()].sort((a, b) => b.lastMessageAt.localeCompare(a.lastMessageAt) || a.id.localeCompare(b.id));
  }

  get(id: string): ConversationSummary | undefined {
    return this.#rows.get(id);
  }

  replace(rows: readonly ConversationSummary[]): void {
    this.#rows.clear();
    for (const row of rows) this.#rows.set(row.id, row);
    this.#emit({ kind: 'reset' });
  }

  /** A conversation as a live update or a reply's answer tells it; an older word than the one held is dropped. */
  upsert(row: ConversationSummary): void {
    const seen = this.#rows.get(row.id);
    if (seen && (messagesOf(seen) > messagesOf(row) || JSON.stringify(seen) === JSON.stringify(row))) return;
    this.#rows.set(row.id, row);
    this.#emit({ kind: 'upsert', conversation: row, isNew: !seen });
  }

  setConnection(state: ConversationStore['connection'], detail = ''): void {
    this.connection = state;
    this.connectionDetail = detail;
    this.#emit({ kind: 'connection' });
  }

  #emit(change: ConversationChange): void {
    for (const listener of this.#listeners) listener(change);
  }
}

const messagesOf = (c: ConversationSummary): number => c.inboundMessages + c.replies;

/** A thread as a list entry: the same conversation, with only its last message. */
export function summaryOf(thread: Thread): ConversationSummary {
  const last = thread.messages.at(-1);
  return { ...thread, messages: last ? [{ id: last.id, direction: last.direction, at: last.at, type: last.type, text: last.text }] : [] };
}
