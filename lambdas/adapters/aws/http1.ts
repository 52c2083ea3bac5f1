import { connect as connectTcp, isIP, type Socket } from 'node:net';

/**
 * The HTTP/1.1 the signed calls need, over `node:net` (and `node:tls` for https): a POST with a
 * known length, its answer read whole, the connection kept for the next call. Node's `http`
 * module costs a cold start about 6 ms to load and its first request another 5–8 ms of code run
 * once (agents, outgoing and incoming message streams, the parser binding), and about 0.7 ms of
 * each later request; this costs a third of that. It speaks only what AWS's JSON and query APIs
 * answer with: a status line, headers, a body of `content-length` bytes, `chunked`, or read to the
 * close of the connection; anything else is refused as {@link HttpProtocolError}, never guessed.
 */

/** A raw HTTP answer: header names in lower case, repeated headers joined with ", ". */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An answer that is not HTTP/1.x as this client reads it. Not retried: it would be the same again. */
export class HttpProtocolError extends Error {
  override readonly name = 'HttpProtocolError';
  readonly code = 'HPE_INVALID';
}

/** A connection that closed before its answer was whole: retried as a dropped connection. */
function hangUp(detail: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`socket hang up: ${detail}`), { code: 'ECONNRESET' });
}

const HEAD_LIMIT = 64 * 1024;
const LINE_LIMIT = 4 * 1024;
/** Larger than any answer of the operations called (DynamoDB's largest is 16 MB). */
const BODY_LIMIT = 32 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close' | 'done';

/** Reads one answer from the bytes of a connection, as they come. */
export class AnswerReader {
  private state: State = 'head';
  private pending: Buffer = EMPTY;
  private remaining = 0;
  private received = 0;
  private readonly chunks: Buffer[] = [];
  private status = 0;
  private headers: Record<string, string> = {};
  /** Whether the connection may carry another request once this answer is read. */
  keepAlive = true;

  /** Takes the next bytes; the answer once it is whole. Throws {@link HttpProtocolError}. */
  push(bytes: Buffer): HttpAnswer | undefined {
    if (this.state === 'done') {
      throw new HttpProtocolError('bytes after the answer was complete');
    }
    this.pending = this.pending.length > 0 ? Buffer.concat([this.pending, bytes]) : bytes;
    for (;;) {
      switch (this.state) {
        case 'head': {
          const end = this.pending.indexOf('\r\n\r\n');
          if (end < 0 || end > HEAD_LIMIT) {
            if (this.pending.length > HEAD_LIMIT) {
              throw new HttpProtocolError(`the answer's head is over ${HEAD_LIMIT} bytes`);
            }
            return undefined;
          }
          const head = this.pending.toString('latin1', 0, end);
          this.pending = this.pending.subarray(end + 4);
          this.readHead(head);
          // No body (204, 304, a length of 0): the answer is whole.
          if ((this.state as State) === 'done') return this.finish();
          break;
        }
        case 'length':
        case 'chunk-data': {
          this.take(Math.min(this.remaining, this.pending.length));
          if (this.remaining > 0) return undefined;
          if (this.state === 'length') return this.finish();
          this.state = 'chunk-end';
          break;
        }
        case 'chunk-end': {
          if (this.pending.length < 2) return undefined;
          if (this.pending[0] !== 13 || this.pending[1] !== 10) {
            throw new HttpProtocolError('a chunk runs past its declared size');
          }
          this.pending = this.pending.subarray(2);
          this.state = 'chunk-size';
          break;
        }
        case 'chunk-size':
        case 'trailers': {
          const line = this.line();
          if (line === undefined) return undefined;
          if (this.state === 'trailers') {
            if (line === '') return this.finish();
            break;
          }
          const size = /^([0-9a-fA-F]{1,8})[ \t]*(?:;.*)?$/.exec(line)?.[1];
          if (size === undefined) {
            throw new HttpProtocolError(`not a chunk size: ${JSON.stringify(line.slice(0, 40))}`);
          }
          this.remaining = Number.parseInt(size, 16);
          this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
          break;
        }
        case 'close':
          this.take(this.pending.length);
          return undefined;
      }
    }
  }

  /** The connection ended: the answer when its body runs to the close; a hang-up otherwise. */
  end(): HttpAnswer {
    if (this.state === 'close') return this.finish();
    throw hangUp(
      this.state === 'head' && this.pending.length === 0
        ? 'the connection closed before an answer'
        : 'the connection closed inside the answer',
    );
  }

  private line(): string | undefined {
    const eol = this.pending.indexOf('\r\n');
    if (eol < 0 || eol > LINE_LIMIT) {
      if (this.pending.length > LINE_LIMIT) throw new HttpProtocolError(`a line over ${LINE_LIMIT} bytes`);
      return undefined;
    }
    const line = this.pending.toString('latin1', 0, eol);
    this.pending = this.pending.subarray(eol + 2);
    return line;
  }

  private take(count: number): void {
    if (count === 0) return;
    this.received += count;
    if (this.received > BODY_LIMIT) throw new HttpProtocolError(`an answer over ${BODY_LIMIT} bytes`);
    this.chunks.push(this.pending.subarray(0, count));
    this.pending = this.pending.subarray(count);
    if (this.state !== 'close') this.remaining -= count;
  }

  private readHead(head: string): void {
    const [statusLine = '', ...lines] = head.split('\r\n');
    const match = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/.exec(statusLine);
    if (!match) {
      throw new HttpProtocolError(`not an HTTP/1.x status line: ${JSON.stringify(statusLine.slice(0, 60))}`);
    }
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, Math.max(colon, 0));
      if (!TOKEN.test(name)) {
        throw new HttpProtocolError(`not a header line: ${JSON.stringify(line.slice(0, 60))}`);
      }
      const key = name.toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
    }
    const status = Number(match[2]);
    if (status === 101) throw new HttpProtocolError('the server switched protocols');
    if (status < 200) return; // an interim answer (100 Continue): the real one follows
    this.status = status;
    this.headers = headers;
    const connection = (headers.connection ?? '').toLowerCase();
    this.keepAlive = match[1] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
    const coding = headers['transfer-encoding'];
    const length = headers['content-length'];
    if (status === 204 || status === 304) {
      this.state = 'done';
    } else if (coding !== undefined) {
      // RFC 9112 6.3: a transfer coding wins over a length; one not ending in chunked runs to the close.
      this.state = /(?:^|,)\s*chunked\s*$/i.test(coding) ? 'chunk-size' : 'close';
    } else if (length !== undefined) {
      const sizes = new Set(length.split(',').map((size) => size.trim()));
      const size = [...sizes][0] ?? '';
      if (sizes.size !== 1 || !/^\d{1,15}$/.test(size)) {
        throw new HttpProtocolError(`not a content length: ${JSON.stringify(length.slice(0, 40))}`);
      }
      this.remaining = Number(size);
      if (this.remaining > BODY_LIMIT) throw new HttpProtocolError(`an answer over ${BODY_LIMIT} bytes`);
      this.state = this.remaining === 0 ? 'done' : 'length';
    } else {
      this.state = 'close';
    }
    if (this.state === 'close') this.keepAlive = false;
  }

  /** The answer is whole. Bytes past it were not asked for: the connection is not reused. */
  private finish(): HttpAnswer {
    this.state = 'done';
    if (this.pending.length > 0) this.keepAlive = false;
    return {
      status: this.status,
      headers: this.headers,
      body: Buffer.concat(this.chunks).toString('utf8'),
    };
  }
}

/** The bytes of a POST: request line, the given headers as given, the body. */
export function requestBytes(url: URL, headers: Record<string, string>, body: Buffer): Buffer {
  let head = `POST ${url.pathname || '/'}${url.search} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name) || !FIELD_VALUE.test(value)) {
      throw new TypeError(
        `invalid request header ${JSON.stringify(name)}: a name is a token, a value one line`,
      );
    }
    head += `${name}: ${value}\r\n`;
  }
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), body]);
}

async function connectTo(url: URL): Promise<Socket> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (url.protocol === 'https:') {
    const { connect } = await import('node:tls');
    return connect({
      host,
      port: Number(url.port) || 443,
      ...(isIP(host) ? {} : { servername: host }),
      ALPNProtocols: ['http/1.1'],
    });
  }
  if (url.protocol !== 'http:') throw new TypeError(`unsupported protocol ${url.protocol}`);
  return connectTcp({ host, port: Number(url.port) || 80 });
}

/**
 * Keep-alive connections per origin, at most `maxSockets` in use at once (more requests wait their
 * turn). An idle connection holds the process open no more than Node's agents do (it is unref'd)
 * and is dropped when the server closes it; one the server closed unseen fails its next request
 * with ECONNRESET, which the calls retry as a dropped connection.
 */
export class ConnectionPool {
  private readonly idle = new Map<string, Socket[]>();
  private readonly busy = new Map<string, number>();
  private readonly queued = new Map<string, (() => void)[]>();
  private readonly idleListeners = new WeakMap<Socket, () => void>();

  constructor(private readonly maxSockets = 50) {}

  async post(url: URL, headers: Record<string, string>, body: Buffer): Promise<HttpAnswer> {
    const bytes = requestBytes(url, headers, body);
    const origin = `${url.protocol}//${url.host}`;
    await this.turn(origin);
    try {
      const socket = this.reuse(origin) ?? (await this.open(url));
      return await this.exchange(origin, socket, bytes);
    } finally {
      this.busy.set(origin, (this.busy.get(origin) ?? 1) - 1);
      this.queued.get(origin)?.shift()?.();
    }
  }

  /** Idle connections of an origin (for tests and for closing). */
  idleCount(origin: string): number {
    return this.idle.get(origin)?.length ?? 0;
  }

  /** Closes every idle connection. */
  destroy(): void {
    for (const sockets of this.idle.values()) for (const socket of sockets) socket.destroy();
    this.idle.clear();
  }

  private async turn(origin: string): Promise<void> {
    while ((this.busy.get(origin) ?? 0) >= this.maxSockets) {
      await new Promise<void>((wake) => {
        const waiting = this.queued.get(origin) ?? [];
        waiting.push(wake);
        this.queued.set(origin, waiting);
      });
    }
    this.busy.set(origin, (this.busy.get(origin) ?? 0) + 1);
  }

  private async open(url: URL): Promise<Socket> {
    const socket = await connectTo(url);
    socket.setNoDelay(true);
    return socket;
  }

  private reuse(origin: string): Socket | undefined {
    const sockets = this.idle.get(origin);
    for (let socket = sockets?.pop(); socket; socket = sockets?.pop()) {
      this.quiet(socket);
      if (!socket.destroyed && socket.writable) return socket.ref();
      socket.destroy();
    }
    return undefined;
  }

  /** A connection back in the pool: closed and forgotten on any event until it is taken. */
  private park(origin: string, socket: Socket): void {
    const drop = (): void => {
      this.quiet(socket);
      socket.destroy();
      const sockets = this.idle.get(origin);
      const at = sockets?.indexOf(socket) ?? -1;
      if (at >= 0) sockets?.splice(at, 1);
    };
    for (const event of ['data', 'end', 'close', 'error']) socket.on(event, drop);
    this.idleListeners.set(socket, drop);
    socket.unref();
    const sockets = this.idle.get(origin) ?? [];
    sockets.push(socket);
    this.idle.set(origin, sockets);
  }

  private quiet(socket: Socket): void {
    const drop = this.idleListeners.get(socket);
    if (!drop) return;
    for (const event of ['data', 'end', 'close', 'error']) socket.off(event, drop);
    this.idleListeners.delete(socket);
  }

  private exchange(origin: string, socket: Socket, bytes: Buffer): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const reader = new AnswerReader();
      let settled = false;
      const settle = (outcome: () => HttpAnswer, reuse: boolean): void => {
        if (settled) return;
        settled = true;
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('close', onEnd);
        socket.off('error', onError);
        let answer: HttpAnswer;
        try {
          answer = outcome();
        } catch (error) {
          socket.destroy();
          reject(error);
          return;
        }
        if (reuse && reader.keepAlive && !socket.destroyed) this.park(origin, socket);
        else socket.destroy();
        resolve(answer);
      };
      const onData = (chunk: Buffer): void => {
        let answer: HttpAnswer | undefined;
        try {
          answer = reader.push(chunk);
        } catch (error) {
          settle(() => {
            throw error;
          }, false);
          return;
        }
        if (answer) settle(() => answer, true);
      };
      const onEnd = (): void => settle(() => reader.end(), false);
      const onError = (error: Error): void =>
        settle(() => {
          throw error;
        }, false);
      socket.on('data', onData);
      socket.on('end', onEnd);
      socket.on('close', onEnd);
      socket.on('error', onError);
      socket.write(bytes);
    });
  }
}
