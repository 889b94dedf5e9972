import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { signWebhook, webhookMessageId } from '../../src/domain/webhooks/outbound-signature.ts';
import { generateWebhookSecret } from '../../src/domain/webhooks/webhook-secret.ts';

/*
 * The two receivers README gives clinics, run as written (Node with the standardwebhooks package,
 * Python with the standard library only) against what the service's signer sends: an example that
 * drifted from the signer would fail here, not at a clinic.
 */

const run = promisify(execFile);

/** The first fenced block of `language` in README's "Verifying a delivery". */
async function readmeBlock(language: 'js' | 'python'): Promise<string> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### Verifying a delivery'));
  const match = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(section);
  if (!match) throw new Error(`README has no ${language} block under "Verifying a delivery"`);
  return match[1]!;
}

interface Case {
  secret: string;
  headers: Record<string, string>;
  /** base64 of the raw body. */
  body: string;
}

const NODE_HARNESS = `
const c = JSON.parse(process.env.WEBHOOK_CASE);
try {
  const payload = verifyWebhook(c.secret, c.headers, Buffer.from(c.body, 'base64'));
  console.log(JSON.stringify({ ok: true, type: payload.type }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: error.message }));
}`;

const PYTHON_HARNESS = `
import os
c = json.loads(os.environ["WEBHOOK_CASE"])
try:
    payload = verify_webhook(c["secret"], c["headers"], base64.b64decode(c["body"]))
    print(json.dumps({"ok": True, "type": payload["type"]}))
except ValueError as error:
    print(json.dumps({"ok": False, "error": str(error)}))
`;

async function verifyWith(language: 'js' | 'python', c: Case): Promise<{ ok: boolean; type?: string; error?: string }> {
  const code = `${await readmeBlock(language)}\n${language === 'js' ? NODE_HARNESS : PYTHON_HARNESS}`;
  const env = { ...process.env, WEBHOOK_CASE: JSON.stringify(c) };
  // Node resolves `standardwebhooks` from the working directory: the repository's own node_modules.
  const { stdout } = language === 'js'
    ? await run(process.execPath, ['--input-type=module', '-e', code], { env, cwd: process.cwd() })
    : await run('python3', ['-c', code], { env });
  return JSON.parse(stdout.trim()) as { ok: boolean; type?: string; error?: string };
}

const oldSecret = generateWebhookSecret();
const newSecret = generateWebhookSecret();
// Not ASCII: the signature covers the UTF-8 bytes.
const body = JSON.stringify({ type: 'patient.replied', timestamp: '2026-11-24T09:05:00.000Z', data: { text: 'क्या मैं 11 बजे आ सकता हूँ? ₹' } });
const signed = (at: Date, secrets: string[]): Case => ({
  secret: secrets[0]!,
  headers: { ...signWebhook({ id: webhookMessageId('endpoint-1', 'patient.replied', 'event-1'), timestamp: at, body }, secrets) },
  body: Buffer.from(body).toString('base64'),
});

describe.each(['js', 'python'] as const)('the README receiver in %s', (language) => {
  it('verifies what the service signs, with either secret during a rotation', async () => {
    const both = signed(new Date(), [newSecret, oldSecret]);
    expect(await verifyWith(language, both)).toEqual({ ok: true, type: 'patient.replied' });
    expect(await verifyWith(language, { ...both, secret: oldSecret })).toEqual({ ok: true, type: 'patient.replied' });
  });

  it('refuses a changed byte, another secret, and a timestamp more than 5 minutes old', async () => {
    const good = signed(new Date(), [newSecret]);
    const tampered = Buffer.from(body);
    tampered[tampered.length - 3] = tampered[tampered.length - 3]! ^ 0x01;
    expect((await verifyWith(language, { ...good, body: tampered.toString('base64') })).ok).toBe(false);
    expect((await verifyWith(language, { ...good, secret: oldSecret })).ok).toBe(false);
    expect((await verifyWith(language, signed(new Date(Date.now() - 10 * 60_000), [newSecret]))).ok).toBe(false);
  });
});
