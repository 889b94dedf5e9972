import { describe, expect, it } from 'vitest';
import { STREAM_CATEGORIES, categoryOf, idOf, streamName } from '../../src/domain/stream-name.ts';

describe('a stream name read back', () => {
  it('names the longest category it starts with, and the id after it', () => {
    expect(categoryOf(streamName.staffMember('s-1'))).toBe('staff-member');
    expect(categoryOf(streamName.staffRouting('his:9'))).toBe('staff-routing');
    expect(categoryOf(streamName.routingRule('rule-1'))).toBe('routing-rule');
    expect(idOf(streamName.walkinQueue('c1-q2'))).toBe('c1-q2');
    expect(idOf(streamName.inbound('his:appointment-1'))).toBe('his:appointment-1');
  });

  it('knows every category by its own prefix and nothing else', () => {
    for (const category of STREAM_CATEGORIES) expect(categoryOf(`${category}-x`)).toBe(category);
    expect(categoryOf('staff-x')).toBeNull();
    expect(categoryOf('inbound')).toBeNull();
    expect(categoryOf('unknown-x')).toBeNull();
  });
});
