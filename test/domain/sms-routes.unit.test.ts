import { describe, expect, it } from 'vitest';
import { parseSmsRoutes, smsRouteFor, smsRoutesWithin } from '../../src/domain/notifications/sms-routes.ts';

const routes = [{ prefix: '+91', provider: 'msg91' }, { prefix: '+9198', provider: 'twilio' }, { prefix: '*', provider: 'twilio' }];

describe('SMS routes', () => {
  it.each([
    ['+919876543210', '+9198'],
    ['+919112345678', '+91'],
    ['+447700900123', '*'],
  ])('route %s by its longest prefix, else *: %s', (to, prefix) => {
    expect(smsRouteFor(routes, to)?.prefix).toBe(prefix);
  });

  it('leave a number no route takes without one when there is no *', () => {
    expect(smsRouteFor([{ prefix: '+91', provider: 'msg91' }], '+447700900123')).toBeUndefined();
  });

  it('find every route a +91 number may take', () => {
    expect(smsRoutesWithin(routes, '+91').map((r) => r.prefix)).toEqual(['+91', '+9198']);
    expect(smsRoutesWithin([{ prefix: '*', provider: 'twilio' }], '+91').map((r) => r.prefix)).toEqual(['*']);
    expect(smsRoutesWithin([{ prefix: '+44', provider: 'twilio' }], '+91')).toEqual([]);
  });

  it('parse entries, and name each bad one', () => {
    expect(parseSmsRoutes(' +91=msg91 , *=twilio ', ['twilio', 'msg91'])).toEqual({ routes: [{ prefix: '+91', provider: 'msg91' }, { prefix: '*', provider: 'twilio' }], problems: [] });
    expect(parseSmsRoutes('+91=msg91,+91=twilio,=x', ['twilio', 'msg91']).problems).toEqual([
      'entry 2: +91 is routed twice',
      'entry 3 must be <prefix>=<provider>, such as +91=msg91 or *=twilio',
    ]);
    expect(parseSmsRoutes(' , ', ['twilio']).problems).toEqual(['names no route']);
  });
});
