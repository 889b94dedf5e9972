import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** The environment of a first run: this machine's, without anything that would point the service elsewhere. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(DATABASE_URL|AMQP_|KURRENTDB_URL|API_TOKENS|LEDGER_MASTER_KEY|DATA_DIR|PORT|HOST|CHANNELS_SANDBOX|DEMO_|WHATSAPP_|SES_|TWILIO_|MSG91_|SMS_ROUTES|FCM_|PUBLIC_URL|VITEST|NODE_ENV)/.test(name)) continue;
    env[name] = value;
  }
  return { ...env, LOG_LEVEL: 'warn', ...extra };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** A command run in its own process group, with its output kept for assertions and failure messages. */
export class ChildCommand {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;

  constructor(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
    this.#child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString('utf8')));
    this.#child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.#child.on('exit', (code) => resolve(code)));
  }

  /** Sends `signal` to the command's own process only, as a process manager does; not to its group. */
  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  get output(): string {
    return `--- stdout\n${this.stdout}\n--- stderr\n${this.stderr}`;
  }

  /** Resolves once stdout contains `text`; fails if the command ends first or the time runs out. */
  async waitFor(text: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    void this.exited.then(() => (ended = true));
    while (!this.stdout.includes(text)) {
      if (ended) throw new Error(`the command ended before printing "${text}"\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`no "${text}" after ${timeoutMs} ms\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * SIGTERM to the whole group this command started (npm, its shell, tsx, node), then waits until
   * every process of the group has gone: npm exits at once, the service only after a graceful stop.
   */
  async stop(timeoutMs = 20_000): Promise<void> {
    const group = -this.#child.pid!;
    if (!groupAlive(group)) return;
    process.kill(group, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (groupAlive(group)) {
      if (Date.now() > deadline) {
        process.kill(group, 'SIGKILL');
        throw new Error(`the command did not stop within ${timeoutMs} ms\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function groupAlive(group: number): boolean {
  try {
    process.kill(group, 0);
    return true;
  } catch {
    return false;
  }
}
