import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import amqp, { type ChannelModel, type ConfirmChannel, type GetMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGINAL_EXCHANGE_HEADER, ORIGINAL_ROUTING_KEY_HEADER, REJECTION_KIND_HEADER, REJECTION_REASON_HEADER } from '../../src/intake/dead-letter.ts';
import { declareTopology } from '../../src/intake/topology.ts';
import { realClock } from '../support/clock.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { TEST_AMQP_URL } from '../support/env.ts';
import { uniqueTopology } from './support/intake-harness.ts';
import { deleteTopology } from '../support/amqp-names.ts';

// Built for the machine's clock, as a live publisher would: slots ahead of the real now.
const { validEnvelope } = envelopesOn(realClock);

const CLI = fileURLToPath(new URL('../../src/intake/dead-letters-cli.ts', import.meta.url));
const topology = uniqueTopology('dead-letters', 'classic');
let connection: ChannelModel;
let channel: ConfirmChannel;

beforeAll(async () => {
  connection = await amqp.connect(TEST_AMQP_URL);
  channel = await connection.createConfirmChannel();
  await declareTopology(channel, topology);
});
afterAll(async () => {
  await deleteTopology(channel, topology);
  await connection.close();
});

function deadLettersCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { ...process.env, AMQP_URL: TEST_AMQP_URL, AMQP_EXCHANGE: topology.exchange, AMQP_DEAD_LETTER_QUEUE: topology.deadLetterQueue },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function takeAll(queue: string): Promise<GetMessage[]> {
  const taken: GetMessage[] = [];
  for (let m = await channel.get(queue, { noAck: true }); m !== false; m = await channel.get(queue, { noAck: true })) taken.push(m);
  return taken;
}

describe('npm run dead-letters -- replay', () => {
  it('moves dead letters back to the intake exchange with their original routing key and headers, as many as asked', async () => {
    // Given three messages the consumer dead-lettered, with the headers it adds
    const envelopes = [validEnvelope('appointment.confirmed'), validEnvelope('lab.test_requested'), validEnvelope('package.redeemed')];
    for (const e of envelopes) {
      channel.publish(topology.deadLetterExchange, e.type, Buffer.from(JSON.stringify(e)), {
        persistent: true,
        messageId: e.eventId,
        contentType: 'application/json',
        headers: {
          'x-trace': 'upstream-42',
          [REJECTION_REASON_HEADER]: 'invalid-payload: data.patient.phone: must be an E.164 phone number',
          [REJECTION_KIND_HEADER]: 'invalid-payload',
          [ORIGINAL_EXCHANGE_HEADER]: topology.exchange,
          [ORIGINAL_ROUTING_KEY_HEADER]: e.type,
        },
      });
    }
    await channel.waitForConfirms();

    // When two are replayed
    const first = await deadLettersCli(['replay', '--limit', '2']);

    // Then the first two are back in the intake queue as their publisher sent them, the third still waits
    expect(first).toMatchObject({ code: 0, stdout: expect.stringContaining('replayed 2') as unknown });
    const replayed = await takeAll(topology.queue);
    expect(replayed.map((m) => [m.fields.routingKey, m.properties.messageId])).toEqual(envelopes.slice(0, 2).map((e) => [e.type, e.eventId]));
    expect(replayed.map((m) => m.content.toString())).toEqual(envelopes.slice(0, 2).map((e) => JSON.stringify(e)));
    for (const m of replayed) {
      expect(m.properties.headers).toEqual({ 'x-trace': 'upstream-42' });
      expect(m.properties).toMatchObject({ contentType: 'application/json', deliveryMode: 2 });
    }
    expect((await channel.checkQueue(topology.deadLetterQueue)).messageCount).toBe(1);

    // And without a limit, the rest goes too
    const rest = await deadLettersCli(['replay']);
    expect(rest).toMatchObject({ code: 0, stdout: expect.stringContaining('replayed 1') as unknown });
    expect((await takeAll(topology.queue)).map((m) => m.properties.messageId)).toEqual([envelopes[2]!.eventId]);
    expect((await channel.checkQueue(topology.deadLetterQueue)).messageCount).toBe(0);
  });

  it('explains its usage when given no command or a bad limit', async () => {
    expect(await deadLettersCli([])).toMatchObject({ code: 2, stderr: expect.stringContaining('Usage: npm run dead-letters') as unknown });
    expect((await deadLettersCli(['replay', '--limit', '0'])).code).toBe(2);
  });
});
