import { EventEmitter } from 'node:events';
import type { Channel } from '../domain/event-catalogue.ts';
import type { ChannelTransport, OutboundMessage, SendOutcome } from './channel-port.ts';

/**
 * Sandbox mode: sends nothing and tells its listeners what it would have sent. Used when a channel
 * has no provider configured, by the demo and by tests that do not exercise a provider.
 */
export class SandboxTransport implements ChannelTransport {
  readonly provider = 'sandbox';
  readonly #events = new EventEmitter();
  readonly #sent: (OutboundMessage & { at: number })[] = [];
  readonly #keep: number;

  /**
   * `keep`: how many of the latest messages `sent` holds, for tests to inspect. None unless asked: a
   * running service in sandbox mode kept 10,000 rendered messages per channel (contacts and email
   * bodies included), its heap growing with every send until they were full; the ledger has them all.
   */
  constructor(readonly channel: Channel, options: { keep?: number } = {}) {
    this.#keep = options.keep ?? 0;
    this.#events.setMaxListeners(0);
  }

  async send(message: OutboundMessage): Promise<SendOutcome> {
    const record = { ...message, at: Date.now() };
    if (this.#keep > 0) {
      this.#sent.push(record);
      if (this.#sent.length > this.#keep) this.#sent.shift();
    }
    this.#events.emit('sent', record);
    return { kind: 'sent', provider: this.provider, providerMessageId: `sandbox-${message.notificationId}-${message.attempt}` };
  }

  /** The most recent messages (at most `keep`), oldest first. */
  get sent(): readonly (OutboundMessage & { at: number })[] {
    return this.#sent;
  }

  onSent(listener: (message: OutboundMessage & { at: number }) => void): () => void {
    this.#events.on('sent', listener);
    return () => this.#events.off('sent', listener);
  }
}
