import { describe, expect, it } from 'vitest';
import { TimedOut } from '../../src/intake/deadline.ts';
import { LedgerInputError, LedgerUnavailable, WrongExpectedRevision } from '../../src/ledger/event-store.ts';
import { classifyFailure, retryingInPlace } from '../../src/ledger/infrastructure-failure.ts';

const withCode = (code: string | number, message = 'failed') => Object.assign(new Error(message), { code });

describe('telling infrastructure failures from failures of one message', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a reset connection', withCode('ECONNRESET', 'read ECONNRESET')],
    ['a broken pipe', withCode('EPIPE')],
    ['a connect timeout', withCode('ETIMEDOUT')],
    ['an unreachable host', withCode('EHOSTUNREACH')],
    ['a name that does not resolve', withCode('ENOTFOUND')],
    ['pg losing its connection', new Error('Connection terminated unexpectedly')],
    ['pg ending its connection', new Error('Connection terminated')],
    ['pg timing out a connect', new Error('Connection terminated due to connection timeout')],
    ['pg-pool timing out a connect', new Error('timeout exceeded when trying to connect')],
    ['a pg client after a connection error', new Error('Client has encountered a connection error and is not queryable')],
    ['a pg query read timeout', new Error('Query read timeout')],
    ['the ledger unavailable', new LedgerUnavailable('KurrentDB did not append within 5000 ms')],
    ['KurrentDB unreachable (gRPC 14)', withCode(14, '14 UNAVAILABLE: No connection established')],
    ['a connection exception (08006)', withCode('08006', 'connection failure')],
    ['too many connections (53300)', withCode('53300', 'sorry, too many clients already')],
    ['a full disk (53100)', withCode('53100', 'could not extend file')],
    ['an administrator shutdown (57P01)', withCode('57P01', 'terminating connection due to administrator command')],
    ['a crash shutdown (57P02)', withCode('57P02')],
    ['a server starting up (57P03)', withCode('57P03', 'the database system is starting up')],
    ['a reset as the cause of a wrapper', new Error('append failed', { cause: withCode('ECONNRESET') })],
    ['a refusal inside an AggregateError', new AggregateError([new Error('x'), withCode('ECONNREFUSED')], 'connect failed')],
  ])('%s is an infrastructure failure', (_what, error) => {
    expect(classifyFailure(error)).toBe('infrastructure');
  });

  it('counts the caller’s own timeout as infrastructure when the caller says so', () => {
    expect(classifyFailure(new TimedOut('no answer within 60000 ms'))).toBe('message');
    expect(classifyFailure(new TimedOut('no answer within 60000 ms'), { infrastructure: [TimedOut] })).toBe('infrastructure');
  });

  it.each([
    ['a serialization failure (40001)', withCode('40001', 'could not serialize access')],
    ['a deadlock (40P01)', withCode('40P01', 'deadlock detected')],
    ['a deadlock as a cause', new Error('append failed', { cause: withCode('40P01') })],
  ])('%s is retried in place', (_what, error) => {
    expect(classifyFailure(error)).toBe('retry-in-place');
  });

  it.each([
    ['a stack overflow', new RangeError('Maximum call stack size exceeded')],
    ['a type error in our code', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a check constraint (23514)', withCode('23514', 'new row violates check constraint')],
    ['invalid text for jsonb (22P02)', withCode('22P02', 'invalid input syntax for type json')],
    ['a statement cancelled by a user (57014)', withCode('57014', 'canceling statement due to user request')],
    ['the ledger refusing the input', new LedgerInputError('event-too-large', 'too large')],
    ['a lost race', new WrongExpectedRevision('inbound-x', 'no-stream', 0n)],
    ['a message saying "Connection terminated" with a code of its own', withCode('XX000', 'Connection terminated')],
    ['something that is not an Error', 'boom'],
    ['nothing at all', undefined],
  ])('%s is the message’s problem', (_what, error) => {
    expect(classifyFailure(error)).toBe('message');
  });

  it('survives a cause chain that loops', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(classifyFailure(a)).toBe('message');
  });
});

describe('retrying in place', () => {
  it('runs the work again after a serialization failure or a deadlock, and returns its answer', async () => {
    const failures = [withCode('40001'), withCode('40P01')];
    let runs = 0;
    const answer = await retryingInPlace(async () => {
      runs++;
      const failure = failures.shift();
      if (failure) throw failure;
      return 'recorded';
    }, { firstDelayMs: 1 });
    expect({ answer, runs }).toEqual({ answer: 'recorded', runs: 3 });
  });

  it('gives up after its retries, and never retries other failures', async () => {
    let runs = 0;
    await expect(retryingInPlace(async () => {
      runs++;
      throw withCode('40001');
    }, { retries: 2, firstDelayMs: 1 })).rejects.toMatchObject({ code: '40001' });
    expect(runs).toBe(3);
    runs = 0;
    await expect(retryingInPlace(async () => {
      runs++;
      throw new RangeError('Maximum call stack size exceeded');
    }, { firstDelayMs: 1 })).rejects.toBeInstanceOf(RangeError);
    expect(runs).toBe(1);
  });
});
