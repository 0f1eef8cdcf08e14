import { connect, Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { multipartBody } from '../../support/multipart';
import { createUser, startTestApi, TestApi, TestUser } from '../../support/test-app';
import { createWorkspace } from '../../support/workspace-factories';

interface Trickle {
  /** bytes of the body written before the server answered or closed */
  bytesSent: number;
  response: string;
  closedByServer: boolean;
}

/**
 * Sends the headers at once, then the body `chunkBytes` at a time every `everyMs`, until the body is
 * out or the server closes the connection.
 */
function trickle(port: number, head: string, body: Buffer, everyMs: number, chunkBytes = 1): Promise<Trickle> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let bytesSent = 0;
    let response = '';
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // a reset after the answer is the server closing: what is being tested
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err);
    });
    socket.on('data', (data) => {
      response += data.toString('utf8');
      // a complete answer with a body of its own length (keep-alive): done
      if (/\r\n\r\n/.test(response) && /content-length: \d+/i.test(response)) {
        const length = Number(/content-length: (\d+)/i.exec(response)?.[1]);
        if (response.split('\r\n\r\n')[1].length >= length && bytesSent === body.length) socket.end();
      }
    });
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ bytesSent, response, closedByServer: bytesSent < body.length });
    });
    socket.write(head);
    const timer: NodeJS.Timeout = setInterval(() => {
      if (socket.destroyed || bytesSent >= body.length) return clearInterval(timer);
      const chunk = body.subarray(bytesSent, bytesSent + chunkBytes);
      bytesSent += chunk.length;
      socket.write(chunk);
    }, everyMs);
  });
}

/**
 * A body trickled a byte at a time cannot hold a connection: cut with a 408 after API_REQUEST_TIMEOUT.
 * What Node's HTTP parser refuses before Fastify sees it is problem+json too.
 */
describe('slow request bodies and requests Node refuses', () => {
  let api: TestApi;
  let port: number;
  let user: TestUser;
  let workspaceId: string;
  let storageDir: string;

  beforeAll(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'labwire-storage-'));
    api = await startTestApi({
      API_REQUEST_TIMEOUT: '2',
      API_UPLOAD_TIMEOUT: '120',
      STORAGE_URL: `file://${storageDir}`,
    });
    user = await createUser(api);
    workspaceId = await createWorkspace(api, user);
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    port = (api.app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(async () => {
    await api?.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  it('cuts a JSON body trickled a byte at a time with a 408 problem and closes the connection', async () => {
    const body = Buffer.from(JSON.stringify({ name: 'x'.repeat(180) }));
    const head =
      `POST /api/v1/workspaces HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${user.token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    // at 1 byte / 250 ms the body would take 50 s; 2 s are allowed
    const result = await trickle(port, head, body, 250);
    expect(result.closedByServer).toBe(true);
    expect(result.bytesSent).toBeLessThan(body.length);
    expect(result.response).toMatch(/^HTTP\/1\.1 408 /);
    expect(result.response).toMatch(/content-type: application\/problem\+json/i);
    expect(result.response).toContain('"code":"REQUEST_TIMEOUT"');
    expect(result.response).toContain('API_REQUEST_TIMEOUT');
    const workspaces = await api.request('GET', '/api/v1/workspaces', { token: user.token });
    expect(workspaces.body.total).toBe(1);
  });

  it('answers a request line past 16 KB with a 431 problem', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/workspaces?q=${'x'.repeat(20_000)}`, {
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 431, code: 'REQUEST_HEADERS_TOO_LARGE' });
  });

  it('gives upload routes API_UPLOAD_TIMEOUT instead', async () => {
    const { payload, headers } = await multipartBody(
      { name: 'slow upload' },
      { content: 'a,b\n1,2\n', filename: 'slow.csv' },
    );
    const head =
      `POST /api/v1/workspaces/${workspaceId}/datasources HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Authorization: Bearer ${user.token}\r\nContent-Type: ${headers['content-type']}\r\n` +
      `Content-Length: ${payload.length}\r\nConnection: close\r\n\r\n`;
    // past API_REQUEST_TIMEOUT (2 s): ~20 chunks, 250 ms apart
    const chunk = Math.ceil(payload.length / 20);
    const result = await trickle(port, head, payload, 250, chunk);
    expect(result.response).toMatch(/^HTTP\/1\.1 201 /);
    // answered once the file was in (the closing boundary may still be on its way): well past 2 s
    expect(result.bytesSent).toBeGreaterThanOrEqual(payload.length - chunk);
  });
});
