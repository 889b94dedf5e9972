import { EventEmitter, on } from 'node:events';

/**
 * Changed conversations inside one service instance: the conversations read model tells after each
 * commit, and each `conversationUpdated` subscription reads the ones it may see.
 */
export class ConversationHub {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  publish(conversationIds: readonly string[]): void {
    for (const id of conversationIds) this.#emitter.emit('changed', id);
  }

  /** Ids of conversations as they change, until the signal aborts or the consumer stops. */
  async *changes(signal?: AbortSignal): AsyncGenerator<string> {
    try {
      for await (const [id] of on(this.#emitter, 'changed', signal ? { signal } : {})) yield id as string;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'AbortError')) throw error;
    }
  }
}
