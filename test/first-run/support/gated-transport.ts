import type { ChannelTransport, OutboundMessage, SendOutcome } from '../../../src/channels/channel-port.ts';
import type { Channel } from '../../../src/domain/event-catalogue.ts';

/**
 * A sandbox transport that holds every send until the test opens the gate, so a notification
 * stays `sending` long enough to be seen, then turns `sent` when the test says.
 */
export class GatedTransport implements ChannelTransport {
  readonly provider = 'sandbox';
  readonly #waiting: (() => void)[] = [];
  #open = false;

  constructor(readonly channel: Channel) {}

  get held(): number {
    return this.#waiting.length;
  }

  async send(message: OutboundMessage): Promise<SendOutcome> {
    if (!this.#open) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    return { kind: 'sent', provider: this.provider, providerMessageId: `gated-${message.notificationId}-${message.attempt}` };
  }

  open(): void {
    this.#open = true;
    for (const release of this.#waiting.splice(0)) release();
  }
}
