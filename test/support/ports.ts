import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * The kernel's range of ephemeral ports (`listen(0)` and every outgoing connection take theirs from
 * it), or undefined where it cannot be read.
 */
function ephemeralRange(): [number, number] | undefined {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low > 0 && high >= low ? [low, high] : undefined;
  } catch {
    return undefined;
  }
}

function tryListen(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => {
      const { port: bound } = server.address() as net.AddressInfo;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A TCP port that was free a moment ago on every address, for a process a test starts later.
 *
 * It is taken below the kernel's ephemeral range: a port from `listen(0)` was handed out again to the
 * next `listen(0)` (an in-process app of the other test lane) or outgoing connection, so a spawned
 * server's port could be answered by another lane's app and then refuse connections (CI, stop 24).
 */
export async function freePort(): Promise<number> {
  const range = ephemeralRange();
  if (range && range[0] > 11_000) {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const candidate = 10_000 + Math.floor(Math.random() * (range[0] - 10_000));
      const port = await tryListen(candidate, '0.0.0.0');
      if (port !== undefined) return port;
    }
  }
  const port = await tryListen(0, '127.0.0.1');
  if (port === undefined) throw new Error('no free TCP port');
  return port;
}

/** Occupies a port until `close()` is called. */
export async function occupyPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
