import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp, { type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declareTopology } from '../../src/intake/topology.ts';
import { realClock } from '../support/clock.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { TEST_AMQP_URL } from '../support/env.ts';
import { uniqueTopology } from './support/intake-harness.ts';
import { deleteTopology } from '../support/amqp-names.ts';

// Built for the machine's clock, as a live publisher would: slots ahead of the real now.
const { validEnvelope } = envelopesOn(realClock);

const CLI = fileURLToPath(new URL('../../src/intake/publish-cli.ts', import.meta.url));
const topology = uniqueTopology('publish-cli', 'classic');
let connection: ChannelModel;
let channel: Channel;
let dir = '';

beforeAll(async () => {
  connection = await amqp.connect(TEST_AMQP_URL);
  channel = await connection.createChannel();
  await declareTopology(channel, topology);
  dir = await mkdtemp(join(tmpdir(), 'publish-cli-'));
});
afterAll(async () => {
  await deleteTopology(channel, topology);
  await connection.close();
  await rm(dir, { recursive: true, force: true });
});

function publishCli(args: string[], stdin = '', exchange = topology.exchange): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--exchange', exchange, ...args], {
      env: { ...process.env, AMQP_URL: TEST_AMQP_URL },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

async function takeAll(): Promise<GetMessage[]> {
  const taken: GetMessage[] = [];
  for (let m = await channel.get(topology.queue, { noAck: true }); m !== false; m = await channel.get(topology.queue, { noAck: true })) taken.push(m);
  return taken;
}

describe('npm run publish', () => {
  it('publishes JSON lines from a file the way upstream systems must, and reports the confirms', async () => {
    // Given a file of three envelopes, one per line
    const envelopes = [validEnvelope('appointment.confirmed'), validEnvelope('walkin.queue_updated'), validEnvelope('package.redeemed')];
    const file = join(dir, 'events.jsonl');
    await writeFile(file, envelopes.map((e) => JSON.stringify(e)).join('\n'));

    // When it is published
    const { code, stdout } = await publishCli([file]);

    // Then the broker confirmed all three, each routed by its type with its eventId as message id
    expect(stdout.trim()).toBe('published 3, confirmed 3, nacked 0, unroutable 0, not sent 0');
    expect(code).toBe(0);
    const messages = await takeAll();
    expect(messages.map((m) => [m.fields.routingKey, m.properties.messageId, m.properties.deliveryMode, m.properties.contentType])).toEqual(
      envelopes.map((e) => [e.type, e.eventId, 2, 'application/json']),
    );
    expect(JSON.parse(messages[1]!.content.toString())).toEqual(envelopes[1]);
  });

  it('reads a JSON array from stdin and does not send an invalid envelope', async () => {
    // Given an array with one envelope whose phone is malformed
    const good = validEnvelope('clinical.report_ready');
    const bad = validEnvelope('appointment.confirmed');
    bad.data.patient = { id: 'p', name: 'X', phone: '12345' };

    // When it is piped in
    const { code, stdout, stderr } = await publishCli(['-'], JSON.stringify([good, bad]));

    // Then only the valid one is sent, the other is named with its reason, and the exit code says so
    expect(stdout.trim()).toBe('published 1, confirmed 1, nacked 0, unroutable 0, not sent 1');
    expect(stderr).toContain('envelope 2: not sent: invalid-payload: data.patient.phone');
    expect(code).toBe(1);
    expect((await takeAll()).map((m) => m.properties.messageId)).toEqual([good.eventId]);
  });

  it('sends an invalid envelope as it is with --raw', async () => {
    const bad = { ...validEnvelope('appointment.confirmed'), type: 'appointment.reminder' };
    const { code, stdout } = await publishCli(['--raw', '-'], JSON.stringify(bad));
    expect(stdout.trim()).toBe('published 1, confirmed 1, nacked 0, unroutable 0, not sent 0');
    expect(code).toBe(0);
    expect((await takeAll()).map((m) => m.fields.routingKey)).toEqual(['appointment.reminder']);
  });

  it('counts what no queue took as unroutable', async () => {
    // Given an exchange no queue is bound to
    const elsewhere = `${topology.exchange}.unbound`;
    const child = await publishCli(['-'], JSON.stringify(validEnvelope('lab.test_requested')), elsewhere);
    await channel.deleteExchange(elsewhere);
    expect(child.stdout.trim()).toBe('published 1, confirmed 1, nacked 0, unroutable 1, not sent 0');
    expect(child.code).toBe(1);
  });

  it('explains its usage when given no input', async () => {
    const { code, stderr } = await publishCli([]);
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: npm run publish');
  });
});
