import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { WebSocketServer, type WebSocket } from 'ws';

// The subscriptions benchmark's baseline, run as its own process like the service: a bare ws server
// that sends each message, serialised once, to the clients of one centre. POST /broadcast?messages=N
// sends N messages round-robin over the centres and answers when they are handed to the sockets.
const byCentre = new Map<string, Set<WebSocket>>();
const sockets = new WebSocketServer({ noServer: true });

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'POST' || url.pathname !== '/broadcast') {
    res.writeHead(404).end();
    return;
  }
  const messages = Number(url.searchParams.get('messages') ?? 0);
  void broadcast(messages).then(() => res.writeHead(204).end());
});

server.on('upgrade', (req, socket, head) => {
  const centre = new URL(req.url ?? '/', 'http://localhost').searchParams.get('centre') ?? 'none';
  sockets.handleUpgrade(req, socket, head, (ws) => {
    const members = byCentre.get(centre) ?? new Set<WebSocket>();
    members.add(ws);
    byCentre.set(centre, members);
    ws.on('close', () => members.delete(ws));
  });
});

async function broadcast(messages: number): Promise<void> {
  const centres = [...byCentre.keys()];
  for (let i = 0; i < messages; i++) {
    const centreId = centres[i % centres.length]!;
    const text = JSON.stringify({
      id: '1',
      type: 'next',
      payload: { data: { deliveryUpdated: { status: 'sent', previousStatus: 'sending', notification: { id: `n-${i}`, channel: 'whatsapp', centreId } } } },
    });
    for (const ws of byCentre.get(centreId) ?? []) ws.send(text);
    // Let the sockets drain now and then, as a server under steady load does.
    if (i % 200 === 199) await yieldToIo();
  }
}

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
