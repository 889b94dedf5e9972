import { describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../../src/channels/channel-port.ts';
import { SandboxTransport } from '../../src/channels/sandbox-transport.ts';

const message = (n: number): OutboundMessage => ({
  notificationId: `n-${n}`,
  channel: 'email',
  to: `patient-${n}@example.com`,
  rendered: { channel: 'email', subject: 'Your appointment', html: `<p>${'x'.repeat(2000)}</p>`, text: 'x'.repeat(2000) },
  attempt: 1,
});

describe('sandbox transport', () => {
  it('keeps none of what it sent unless asked, however many messages pass', async () => {
    // Given a sandbox transport as the running service makes it
    const transport = new SandboxTransport('email');
    const heard: string[] = [];
    transport.onSent((m) => heard.push(m.notificationId));
    // When 2,000 messages are sent
    for (let n = 0; n < 2000; n++) await transport.send(message(n));
    // Then its listeners heard every one, and it holds none of them
    expect(heard).toHaveLength(2000);
    expect(transport.sent).toHaveLength(0);
  });

  it('keeps the latest `keep` messages when a test asks for them', async () => {
    const transport = new SandboxTransport('email', { keep: 3 });
    for (let n = 0; n < 10; n++) await transport.send(message(n));
    expect(transport.sent.map((m) => m.notificationId)).toEqual(['n-7', 'n-8', 'n-9']);
  });
});
