import { connect } from 'node:net';

/** One HTTP/1.1 exchange over a raw socket: everything the server wrote until it closed (or 2 s). */
export function rawHttpExchange(url: string, request: Buffer): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => resolve(Buffer.concat(chunks).toString('latin1'));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', done);
    socket.on('error', done);
    socket.setTimeout(2000, () => socket.destroy());
    socket.write(request);
  });
}

/** GET /metrics, optionally with an Authorization header: status, headers and body. */
export async function fetchMetrics(baseUrl: string, authorization?: string): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${baseUrl}/metrics`, authorization === undefined ? {} : { headers: { authorization } });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Whether anything accepts a TCP connection on the port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
