import { writeHeapSnapshot } from 'node:v8';
import { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { loadConfig } from '../../src/config.ts';
import { startService } from '../../src/service.ts';

/**
 * The service as `npm start` runs it (configuration from the environment, its own logger), in a
 * process of its own started with --expose-gc, so the soak bench reads this process's heap and
 * RSS alone, after a full collection, and nothing of the driver's. Driven over IPC.
 */

export type SoakRequest = { kind: 'measure'; id: number } | { kind: 'snapshot'; id: number; path: string } | { kind: 'stop'; id: number };

export interface SoakMemory {
  heapUsedMb: number;
  rssMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  sends: number;
}

export type SoakReply =
  | { kind: 'ready'; url: string }
  | { kind: 'measured'; id: number; memory: SoakMemory }
  | { kind: 'snapshot-written'; id: number; path: string }
  | { kind: 'stopped'; id: number };

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !process.send) {
  process.stderr.write('soak-service runs under the soak bench only: node --expose-gc, with an IPC channel\n');
  process.exit(2);
}
const send = (reply: SoakReply) => process.send!(reply);
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

// SOAK_SANDBOX_KEEP=10000 runs the service as it was before its sandbox transports stopped keeping
// every channel's last 10,000 messages, for comparison.
const sandboxKeep = process.env.SOAK_SANDBOX_KEEP ? Number(process.env.SOAK_SANDBOX_KEEP) : undefined;
const service = await startService(loadConfig(process.env), { port: 0, sandboxKeep });
let sends = 0;
for (const transport of Object.values(service.transports)) {
  if (transport instanceof SandboxTransport) transport.onSent(() => sends++);
}

process.on('message', (request: SoakRequest) => {
  void (async () => {
    switch (request.kind) {
      case 'measure': {
        // Twice: what the first collection's finalizers let go is collected by the second.
        gc();
        gc();
        const usage = process.memoryUsage();
        send({ kind: 'measured', id: request.id, memory: { heapUsedMb: mb(usage.heapUsed), rssMb: mb(usage.rss), externalMb: mb(usage.external), arrayBuffersMb: mb(usage.arrayBuffers), sends } });
        return;
      }
      case 'snapshot':
        send({ kind: 'snapshot-written', id: request.id, path: writeHeapSnapshot(request.path) });
        return;
      case 'stop':
        await service.stop();
        send({ kind: 'stopped', id: request.id });
        process.disconnect();
        return;
    }
  })().catch((error: unknown) => {
    process.stderr.write(`soak-service: ${String(error)}\n`);
    process.exit(1);
  });
});
send({ kind: 'ready', url: service.url.toString() });
