/**
 * Output piped into a reader that stops early (`tidings status | head -3`) ends quietly. Node
 * ignores SIGPIPE, so a write to a closed pipe fails with EPIPE, which on an unwatched stream is
 * an uncaught error with a stack trace. Here the failed stream is silenced instead: later lines
 * are dropped and the command runs to its end and exits with its own code (0 when it did its
 * work). Unlike git, which dies of SIGPIPE (status 141), a command does not stop halfway through
 * a send because nobody reads its report any more.
 */

interface Watchable {
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

/** Errors of writing to a pipe whose reader has gone, or to the stream such a write closed. */
const GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

/**
 * Watches the streams (by default stdout and stderr) for a closed pipe and drops what is written
 * after it; any other stream error is thrown as before.
 */
export function endQuietlyOnClosedPipe(
  streams: readonly Watchable[] = [process.stdout, process.stderr],
): void {
  for (const stream of streams) {
    stream.on('error', (error) => {
      if (GONE.has(error.code ?? '')) return;
      throw error;
    });
  }
}
