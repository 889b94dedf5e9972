import { parentPort } from 'node:worker_threads';

// The intake thread's entry for a test: the real one, whose thread ends by itself 100 ms after it
// said it started, as a thread would on a fault nobody caught.
const port = parentPort!;
const post = port.postMessage.bind(port);
port.postMessage = (message: unknown) => {
  post(message);
  if ((message as { kind?: string }).kind === 'started') setTimeout(() => process.exit(3), 100);
};
await import('../../../src/intake/intake-thread-worker.ts');
