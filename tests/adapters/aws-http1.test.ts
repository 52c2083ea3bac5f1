import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AnswerReader,
  ConnectionPool,
  type HttpAnswer,
  HttpProtocolError,
  requestBytes,
} from '../../lambdas/adapters/aws/http1.js';

/** Feeds an answer to a reader in pieces of `size` bytes; the answer and what is left over. */
function read(
  raw: string | Buffer,
  size = Number.POSITIVE_INFINITY,
): { answer?: HttpAnswer; reader: AnswerReader } {
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'latin1');
  const reader = new AnswerReader();
  let answer: HttpAnswer | undefined;
  for (let at = 0; at < bytes.length && !answer; at += Math.min(size, bytes.length)) {
    answer = reader.push(bytes.subarray(at, at + Math.min(size, bytes.length)));
  }
  return answer ? { answer, reader } : { reader };
}

const JSON_ANSWER =
  'HTTP/1.1 200 OK\r\nx-amzn-RequestId: abc\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 14\r\n\r\n{"Items":"é"}';
const CHUNKED =
  'HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\nX-Amzn-ErrorType: ThrottlingException\r\n\r\n' +
  '5;ext=1\r\n{"__t\r\n' +
  'C\r\nype":"Thrott\r\n' +
  '0\r\nx-trailer: yes\r\n\r\n';

describe('AnswerReader', () => {
  it('reads a length-delimited answer whole however the bytes are split', () => {
    const bytes = Buffer.from(JSON_ANSWER, 'utf8');
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const { answer, reader } = read(bytes, size);
      expect(answer, `pieces of ${size}`).toEqual({
        status: 200,
        headers: {
          'x-amzn-requestid': 'abc',
          'content-type': 'application/x-amz-json-1.0',
          'content-length': '14',
        },
        body: '{"Items":"é"}',
      });
      expect(reader.keepAlive).toBe(true);
    }
  });

  it('reads a chunked answer with extensions and trailers however the bytes are split', () => {
    for (const size of [1, 2, 5, 11, CHUNKED.length]) {
      const { answer, reader } = read(CHUNKED, size);
      expect(answer?.status).toBe(400);
      expect(answer?.body).toBe('{"__type":"Thrott');
      expect(answer?.headers['x-amzn-errortype']).toBe('ThrottlingException');
      expect(reader.keepAlive).toBe(true);
    }
  });

  it('joins repeated headers, skips an interim 100 Continue, and reads 204 and a zero length without a body', () => {
    const { answer } = read(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nVia: a\r\nvia: b\r\ncontent-length: 0\r\n\r\n',
    );
    expect(answer).toEqual({ status: 200, headers: { via: 'a, b', 'content-length': '0' }, body: '' });
    expect(read('HTTP/1.1 204 No Content\r\n\r\n').answer).toEqual({ status: 204, headers: {}, body: '' });
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok').answer?.body).toBe('ok');
  });

  it('keeps a connection only when the answer allows it', () => {
    expect(read('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').reader.keepAlive).toBe(
      false,
    );
    expect(read('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').reader.keepAlive).toBe(false);
    expect(
      read('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n').reader.keepAlive,
    ).toBe(true);
    // Bytes nobody asked for after the answer: the connection is not trusted again.
    const extra = read('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n');
    expect(extra.answer?.body).toBe('ok');
    expect(extra.reader.keepAlive).toBe(false);
    expect(() => extra.reader.push(Buffer.from('more'))).toThrow(/after the answer/);
  });

  it('reads a body without length or coding to the close, and calls any other close a hang-up', () => {
    const { answer, reader } = read('HTTP/1.1 200 OK\r\n\r\npart one, ');
    expect(answer).toBeUndefined();
    reader.push(Buffer.from('part two'));
    expect(reader.end()).toEqual({ status: 200, headers: {}, body: 'part one, part two' });
    expect(reader.keepAlive).toBe(false);
    // A coding other than chunked also runs to the close (RFC 9112 6.3), whatever length is given.
    const gzip = read('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 1\r\n\r\nabc').reader;
    expect(gzip.end().body).toBe('abc');

    const early = read('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc').reader;
    expect(() => early.end()).toThrow(
      expect.objectContaining({ code: 'ECONNRESET', message: expect.stringMatching(/inside the answer/) }),
    );
    expect(() => new AnswerReader().end()).toThrow(
      expect.objectContaining({ code: 'ECONNRESET', message: expect.stringMatching(/before an answer/) }),
    );
    const midChunk = read('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab').reader;
    expect(() => midChunk.end()).toThrow(expect.objectContaining({ code: 'ECONNRESET' }));
  });

  it.each([
    ['a status line that is not HTTP/1.x', 'HTTP/2 200\r\n\r\n', /status line/],
    ['an HTML page', '<html><body>proxy error</body></html>\r\n\r\n', /status line/],
    ['a status of two digits', 'HTTP/1.1 20 OK\r\n\r\n', /status line/],
    ['a header name with a space', 'HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n', /header line/],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nnocolon\r\n\r\n', /header line/],
    ['a folded header line', 'HTTP/1.1 200 OK\r\na: b\r\n  c\r\n\r\n', /header line/],
    ['a length that is not a number', 'HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n', /content length/],
    ['a negative length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /content length/],
    ['two different lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabcd', /content length/],
    ['a length past the limit', 'HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n', /over/],
    [
      'a chunk size that is not hex',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      /chunk size/,
    ],
    [
      'a chunk size too large',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1ffffffff\r\n',
      /chunk size/,
    ],
    [
      'a chunk longer than declared',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n',
      /past its declared size/,
    ],
    ['a switch of protocols', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n', /switched/],
  ])('refuses %s', (_name, raw, message) => {
    for (const size of [1, raw.length]) {
      expect(() => read(raw, size)).toThrow(HttpProtocolError);
      expect(() => read(raw, size)).toThrow(message);
    }
  });

  it('refuses a head, a line or a body past its limit without waiting for the rest', () => {
    expect(() => read(`HTTP/1.1 200 OK\r\nx: ${'a'.repeat(70_000)}`)).toThrow(/head is over/);
    expect(() => read(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'1'.repeat(5000)}`)).toThrow(
      /line over/,
    );
    const endless = read('HTTP/1.1 200 OK\r\n\r\n').reader;
    const mebibyte = Buffer.alloc(1024 * 1024, 97);
    expect(() => {
      for (let i = 0; i < 40; i++) endless.push(mebibyte);
    }).toThrow(/over/);
  });
});

describe('requestBytes', () => {
  it('writes the request line, the headers as given and the body', () => {
    const bytes = requestBytes(
      new URL('http://127.0.0.1:8000/000000000000/queue?x=1'),
      { host: '127.0.0.1:8000', 'content-length': '2' },
      Buffer.from('{}'),
    );
    expect(bytes.toString('latin1')).toBe(
      'POST /000000000000/queue?x=1 HTTP/1.1\r\nhost: 127.0.0.1:8000\r\ncontent-length: 2\r\n\r\n{}',
    );
  });

  it.each([
    ['a value with CR LF', { 'x-a': 'one\r\nx-injected: two' }],
    ['a value with a lone LF', { 'x-a': 'one\ntwo' }],
    ['a name with a colon', { 'x:a': 'one' }],
    ['an empty name', { '': 'one' }],
    ['a value with a NUL', { 'x-a': 'one\u0000' }],
  ])('refuses a header with %s', (_name, headers) => {
    expect(() => requestBytes(new URL('http://h/'), headers, Buffer.alloc(0))).toThrow(
      /invalid request header/,
    );
  });
});

describe('ConnectionPool against a local server', () => {
  let server: Server | undefined;
  let pool: ConnectionPool | undefined;

  afterEach(async () => {
    pool?.destroy();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  /** A raw TCP server answering each request with `answer(n)` (n counts requests), or closing. */
  async function rawServer(answer: (n: number, socket: Socket) => string | undefined): Promise<{
    url: URL;
    connections: () => number;
    open: () => number;
  }> {
    let requests = 0;
    let connections = 0;
    let open = 0;
    server = createServer((socket) => {
      connections++;
      open++;
      socket.on('close', () => open--);
      let pending = '';
      socket.on('data', (chunk) => {
        pending += chunk.toString('latin1');
        for (;;) {
          const head = pending.indexOf('\r\n\r\n');
          if (head < 0) return;
          const length = Number(/content-length: (\d+)/i.exec(pending.slice(0, head))?.[1] ?? 0);
          if (pending.length < head + 4 + length) return;
          pending = pending.slice(head + 4 + length);
          const reply = answer(++requests, socket);
          if (reply === undefined) socket.destroy();
          else if (reply !== '') socket.write(reply);
        }
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: new URL(`http://127.0.0.1:${port}/`), connections: () => connections, open: () => open };
  }

  const ok = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const post = (url: URL, body = '{}') =>
    (pool as ConnectionPool).post(
      url,
      { host: url.host, 'content-length': String(body.length) },
      Buffer.from(body),
    );

  it('carries sequential requests over one kept connection', async () => {
    const { url, connections } = await rawServer((n) => ok(`answer ${n}`));
    pool = new ConnectionPool(50);
    for (let i = 1; i <= 5; i++) expect((await post(url)).body).toBe(`answer ${i}`);
    expect(connections()).toBe(1);
    expect(pool.idleCount(`http://${url.host}`)).toBe(1);
  });

  it('opens no more than maxSockets connections, and every waiting request is answered', async () => {
    let inFlight = 0;
    let most = 0;
    const { url } = await rawServer((_n, socket) => {
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        socket.write(ok('done'));
      }, 5);
      return '';
    });
    pool = new ConnectionPool(3);
    const answers = await Promise.all(Array.from({ length: 12 }, () => post(url)));
    expect(answers.every((a) => a.body === 'done')).toBe(true);
    expect(most).toBe(3);
  });

  it('drops a connection the server closes while it is idle, and opens another', async () => {
    const { url, connections } = await rawServer((n, socket) => {
      if (n === 1) setTimeout(() => socket.end(), 5);
      return ok(`answer ${n}`);
    });
    pool = new ConnectionPool(50);
    expect((await post(url)).body).toBe('answer 1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pool.idleCount(`http://${url.host}`)).toBe(0);
    expect((await post(url)).body).toBe('answer 2');
    expect(connections()).toBe(2);
  });

  it('fails a request whose connection drops mid-answer with ECONNRESET, and the next one goes through', async () => {
    const { url } = await rawServer((n, socket) => {
      if (n === 1) {
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\ntruncated');
        return '';
      }
      return n === 2 ? undefined : ok('fine');
    });
    pool = new ConnectionPool(50);
    await expect(post(url)).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(post(url)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect((await post(url)).body).toBe('fine');
  });

  it('does not reuse a connection after a malformed answer or one that asked to close', async () => {
    const { url, connections } = await rawServer((n) =>
      n === 1
        ? 'HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n'
        : n === 2
          ? 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'
          : ok('third'),
    );
    pool = new ConnectionPool(50);
    await expect(post(url)).rejects.toThrow(HttpProtocolError);
    expect((await post(url)).status).toBe(200);
    expect((await post(url)).body).toBe('third');
    expect(connections()).toBe(3);
  });

  it('fails with ECONNREFUSED where nothing listens', async () => {
    const { url } = await rawServer(() => ok(''));
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    pool = new ConnectionPool(50);
    await expect(post(url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it("speaks to Node's own HTTP server: path, query, headers and a 300 KB body both ways", async () => {
    const seen: { url?: string | undefined; host?: string | undefined; body?: string } = {};
    const http = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.url = req.url;
        seen.host = req.headers.host;
        seen.body = Buffer.concat(chunks).toString('utf8');
        res.setHeader('x-amzn-requestid', 'r-1');
        // Written in two parts without a length: Node sends it chunked.
        res.write(seen.body.slice(0, 1000).toUpperCase());
        res.end(seen.body.slice(1000).toUpperCase());
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const url = new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/q/1?Action=x`);
      pool = new ConnectionPool(50);
      const body = 'é'.repeat(150_000);
      const answer = await pool.post(
        url,
        { host: url.host, 'content-length': String(Buffer.byteLength(body)) },
        Buffer.from(body),
      );
      expect(seen).toEqual({ url: '/q/1?Action=x', host: url.host, body });
      expect(answer.status).toBe(200);
      expect(answer.headers['transfer-encoding']).toBe('chunked');
      expect(answer.headers['x-amzn-requestid']).toBe('r-1');
      expect(answer.body).toBe(body.toUpperCase());
    } finally {
      pool?.destroy();
      await new Promise((resolve) => http.close(resolve));
    }
  });
});
