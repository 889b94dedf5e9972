import { describe, expect, it } from 'vitest';
import { STREAM_CATEGORIES, categoryOf, idOf, streamName, streamNameIfValid } from '../../src/domain/stream-name.ts';

describe('a stream name read back', () => {
  it('names the longest category it starts with, and the id after it', () => {
    expect(categoryOf(streamName.staffMember('s-1'))).toBe('staff-member');
    expect(categoryOf(streamName.staffRouting('his:9'))).toBe('staff-routing');
    expect(categoryOf(streamName.routingRule('rule-1'))).toBe('routing-rule');
    expect(idOf(streamName.walkinQueue('c1', 'q2'))).toBe('c1:q2');
    expect(idOf(streamName.inbound('his:appointment-1'))).toBe('his:appointment-1');
  });

  it('knows every category by its own prefix and nothing else', () => {
    for (const category of STREAM_CATEGORIES) expect(categoryOf(`${category}-x`)).toBe(category);
    expect(categoryOf('staff-x')).toBeNull();
    expect(categoryOf('inbound')).toBeNull();
    expect(categoryOf('unknown-x')).toBeNull();
  });
});

describe('the names of composite streams', () => {
  // Ledgers written before these builders existed hold exactly these names: a change here orphans their history.
  it('are the names existing ledgers already hold', () => {
    expect(streamName.contactPreference('whatsapp', '+919800000001')).toBe('preference-whatsapp:+919800000001');
    expect(streamName.contactPreference('email', 'asha@example.test')).toBe('preference-email:asha@example.test');
    expect(streamName.contactPreference('push', 'device-token:abc')).toBe('preference-push:device-token:abc');
    expect(streamName.personPreference('p-42')).toBe('preference-person:p-42');
    expect(streamName.walkinQueue('centre-1', 'gp')).toBe('walkin-queue-centre-1:gp');
    expect(streamName.walkinQueue('centre:1', 'gp/a b')).toBe('walkin-queue-centre%3A1:gp%2Fa%20b');
    expect(streamName.contentRetention()).toBe('retention-content');
  });

  it('keep two walk-in queues apart even when an id holds the separator', () => {
    expect(streamName.walkinQueue('a:b', 'c')).not.toBe(streamName.walkinQueue('a', 'b:c'));
  });
});

describe('a stream name from an id a client sent', () => {
  it('is the usual name when valid, and null where no stream can have it', () => {
    expect(streamNameIfValid.inbound('his:1')).toBe(streamName.inbound('his:1'));
    expect(streamNameIfValid.inbound('x'.repeat(600))).toBeNull();
    expect(streamNameIfValid.inbound('bad\u0000id')).toBeNull();
    expect(() => streamName.inbound('x'.repeat(600))).toThrow(/inbound/);
  });
});
