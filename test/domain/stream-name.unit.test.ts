import { describe, expect, it } from 'vitest';
import { contactHash, deriveLedgerKeys } from '../../src/domain/keys/ledger-keys.ts';
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
    expect(streamName.personPreference('p-42')).toBe('preference-person:p-42');
    expect(streamName.walkinQueue('centre-1', 'gp')).toBe('walkin-queue-centre-1:gp');
    expect(streamName.walkinQueue('centre:1', 'gp/a b')).toBe('walkin-queue-centre%3A1:gp%2Fa%20b');
    expect(streamName.contentRetention()).toBe('retention-content');
  });

  it('keep two walk-in queues apart even when an id holds the separator', () => {
    expect(streamName.walkinQueue('a:b', 'c')).not.toBe(streamName.walkinQueue('a', 'b:c'));
  });
});

describe('the preference stream of an address', () => {
  const keys = deriveLedgerKeys(Buffer.alloc(32, 1));

  // The ledger's keyed migration renamed the streams of older ledgers to exactly these names.
  it('is named by the keyed hash of the address, of the kind its channel carries', () => {
    expect(streamName.contactPreference(keys, 'whatsapp', '+919800000001')).toBe('preference-contact:whatsapp:72a8660c001e8ab468a803134e78f54fb87c47ea0297a2a53a59cd71f357fd31');
    expect(streamName.contactPreference(keys, 'sms', '+919800000001')).toBe('preference-contact:sms:72a8660c001e8ab468a803134e78f54fb87c47ea0297a2a53a59cd71f357fd31');
    expect(streamName.contactPreference(keys, 'email', 'asha@example.test')).toBe('preference-contact:email:b0c0556e01916c3e7559a934874ebc2ea030e0e805d21cd5bc482035924dce82');
    expect(streamName.contactPreference(keys, 'push', 'device-token:abc')).toBe('preference-contact:push:9cf533cf5e633ffa33fc638c45c319dc3176ac07d2d19f0148e8b5166356fd4a');
    // The number's hash is its conversation's id too: one contact, one hash.
    expect(idOf(streamName.contactPreference(keys, 'whatsapp', '+919800000001'))).toBe(`contact:whatsapp:${contactHash(keys, 'phone', '+919800000001')}`);
  });

  it('holds nothing of the address, and another under another master key', () => {
    for (const [channel, address] of [['whatsapp', '+919800000001'], ['email', 'asha@example.test'], ['push', 'device-token:abc'], ['in_app', 'staff-7']] as const) {
      const name = streamName.contactPreference(keys, channel, address);
      expect(name).not.toContain(address);
      expect(name).not.toContain('9800000001');
      expect(name).not.toContain('asha');
      expect(categoryOf(name)).toBe('preference');
      expect(streamName.contactPreference(deriveLedgerKeys(Buffer.alloc(32, 2)), channel, address)).not.toBe(name);
    }
  });

  it('is one stream for one email however it is cased', () => {
    expect(streamName.contactPreference(keys, 'email', ' Asha@Example.test')).toBe(streamName.contactPreference(keys, 'email', 'asha@example.test'));
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
