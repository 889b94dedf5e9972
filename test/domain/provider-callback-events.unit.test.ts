import { describe, expect, it } from 'vitest';
import { providerCallbackId, type CallbackContent, type ProviderStatusReport } from '../../src/domain/notifications/provider-callback-events.ts';

const report = (status: ProviderStatusReport['status']): ProviderStatusReport => ({
  provider: '360dialog', providerMessageId: 'wamid.A', status, code: null, detail: null, reportId: `wamid.A:${status}`, occurredAt: '2026-11-24T09:00:00.000Z',
});
const content = (...reports: ProviderStatusReport[]): CallbackContent => ({ reports, replies: [], suppressions: [] });

describe('a provider callback id', () => {
  it('is the same for a redelivery, whatever the order of its reports', () => {
    expect(providerCallbackId('360dialog', content(report('delivered'), report('read')))).toBe(providerCallbackId('360dialog', content(report('read'), report('delivered'))));
  });

  it('differs for other reports or another provider', () => {
    const id = providerCallbackId('360dialog', content(report('delivered')));
    expect(providerCallbackId('360dialog', content(report('read')))).not.toBe(id);
    expect(providerCallbackId('twilio', content(report('delivered')))).not.toBe(id);
  });

  it('is derived from ids only, so the sender number never names the stream', () => {
    const reply = (from: string) => ({ reports: [], suppressions: [], replies: [{ provider: '360dialog', channel: 'whatsapp' as const, from, intent: 'other' as const, messageId: 'wamid.IN', receivedAt: '2026-11-24T09:00:00.000Z' }] });
    const id = providerCallbackId('360dialog', reply('+919876543210'));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(providerCallbackId('360dialog', reply('+919800000000'))).toBe(id);
  });

  it('is null for a callback with nothing to record', () => {
    expect(providerCallbackId('ses', content())).toBeNull();
  });
});
