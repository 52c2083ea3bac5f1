import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { endQuietlyOnClosedPipe } from '../../../cli/closed-pipe.js';

function failure(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`write ${code}`), { code });
}

describe('endQuietlyOnClosedPipe', () => {
  it('silences a write to a pipe whose reader has gone, and writes after it', () => {
    const stream = new EventEmitter();
    endQuietlyOnClosedPipe([stream]);
    expect(() => stream.emit('error', failure('EPIPE'))).not.toThrow();
    expect(() => stream.emit('error', failure('ERR_STREAM_DESTROYED'))).not.toThrow();
  });

  it('still throws any other stream error', () => {
    const stream = new EventEmitter();
    endQuietlyOnClosedPipe([stream]);
    expect(() => stream.emit('error', failure('ENOSPC'))).toThrow('write ENOSPC');
  });
});
