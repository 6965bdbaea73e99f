import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { SOCKET_PATH } from '../../src/shared/socket-events.js';

/** A masked WebSocket text frame, as a client must send it (RFC 6455 §5.3). */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length > 125) throw new Error('frame too long for this helper');
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

export interface StuckClient {
  /** Bytes the client had read when it stopped reading. */
  readBeforeStopping: number;
  /** Bytes waiting unread in the kernel for this client (Linux /proc/net/tcp), or null elsewhere. */
  unreadBytes(): number | null;
  close(): void;
}

/** The receive queue of the local TCP socket on `port`, from /proc/net/tcp{,6}. */
function receiveQueue(port: number): number | null {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1]?.split(':')[1];
      if (local && parseInt(local, 16) === port) return parseInt(cols[4]!.split(':')[1]!, 16);
    }
  }
  return null;
}

/**
 * A Socket.IO client spoken by hand over a raw TCP socket: it upgrades to a WebSocket, connects,
 * subscribes to a queue, then stops reading, as a frozen tab or a stuck program would. The server
 * can no longer deliver to it; the kernel buffers fill and stay full.
 */
export async function stuckClient(url: string, queueId: string): Promise<StuckClient> {
  const { hostname, port } = new URL(url);
  const sock = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  let seen = '';
  let read = 0;
  const waitFor = (marker: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${marker} from the server; got ${seen.slice(-200)}`)), 5000);
      const check = () => {
        if (seen.includes(marker)) {
          clearTimeout(timer);
          sock.off('data', onData);
          resolve();
        }
      };
      const onData = (d: Buffer) => {
        read += d.length;
        seen += d.toString('latin1');
        check();
      };
      sock.on('data', onData);
      check();
    });
  sock.write(
    `GET ${SOCKET_PATH}/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await waitFor('"sid"'); // Engine.IO's open packet
  sock.write(textFrame('40')); // Socket.IO CONNECT to the main namespace
  await waitFor('40{');
  sock.write(textFrame(`421${JSON.stringify(['subscribe_queue', { queue_id: queueId }])}`));
  await waitFor('431[{"ok":true');
  sock.pause();
  const localPort = sock.localPort!;
  return { readBeforeStopping: read, unreadBytes: () => receiveQueue(localPort), close: () => sock.destroy() };
}
