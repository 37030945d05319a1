import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { limitWriteStalls, SseWriter, waitForDrain } from '../src/http/sse-writer.js';

/** A real HTTP server whose one response the test drives, and a raw client socket it can pause. */
async function oneResponse(): Promise<{ response: ServerResponse; client: Socket; server: Server }> {
  let resolveResponse!: (response: ServerResponse) => void;
  const responded = new Promise<ServerResponse>((resolve) => (resolveResponse = resolve));
  const server = createServer((_request, response) => resolveResponse(response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => undefined);
  client.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
  return { response: await responded, client, server };
}

const listeners = (response: ServerResponse) => ({ drain: response.listenerCount('drain'), close: response.listenerCount('close') });

describe(SseWriter.name, () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('leaves no listener behind after many waits for a client that reads slowly', async () => {
    const { response, client, server } = await oneResponse();
    cleanups.push(() => {
      client.destroy();
      server.close();
    });
    client.on('data', () => undefined); // reads everything, as fast as the loop lets it
    const writer = new SseWriter(response);
    const baseline = (writer.write('data: start\n\n'), listeners(response));
    let waits = 0;
    while (waits < 200) {
      const pending = writer.write(`data: ${'x'.repeat(64 * 1024)}\n\n`);
      if (pending) {
        waits++;
        await pending;
      }
    }
    expect(listeners(response)).toEqual(baseline);
    writer.end('data: [DONE]\n\n');
  });

  it('disconnects a client that takes nothing for the write-stall timeout, and leaves no listener behind', async () => {
    const { response, client, server } = await oneResponse();
    cleanups.push(() => {
      client.destroy();
      server.close();
    });
    client.pause();
    limitWriteStalls(response, 300);
    const writer = new SseWriter(response);
    const baseline = (writer.write('data: start\n\n'), listeners(response));
    // the kernel's socket buffers take the first megabytes; then nothing moves
    let waits = 0;
    while (!response.destroyed && waits < 1000) {
      const pending = writer.write(`data: ${'x'.repeat(256 * 1024)}\n\n`);
      if (pending) {
        waits++;
        await pending;
      }
    }
    expect(response.destroyed).toBe(true);
    expect(listeners(response)).toEqual(baseline);
    // a write after that is a no-op, not an error
    expect(writer.write('data: late\n\n')).toBeUndefined();
  });

  it('resolves a wait at once when the client is already gone', async () => {
    const { response, client, server } = await oneResponse();
    cleanups.push(() => server.close());
    const closed = new Promise((resolve) => response.once('close', resolve));
    client.destroy();
    await closed;
    const baseline = listeners(response);
    await waitForDrain(response);
    expect(listeners(response)).toEqual(baseline);
  });
});
