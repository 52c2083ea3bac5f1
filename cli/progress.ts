/**
 * The progress line: one line on stderr saying how far long work has come (ingesting many
 * sources, sending a large issue), overwritten in place with `\r` and erased when other output
 * comes or the work ends. Only on a terminal, and only once work has taken a while, so a piped
 * or logged run and a quick command never see it.
 */

/** The stream the line is written to: `process.stderr`, or a stand-in in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  /** Width of the terminal; the line is cut to fit so it never wraps (a wrapped line stays). */
  readonly columns?: number;
  write(text: string): unknown;
}

export interface ProgressLine {
  /** Shows `text` as the line of work in progress, in place of the previous one. */
  update(text: string): void;
  /** Erases the line, e.g. before another line is written; the next update shows it again. */
  clear(): void;
  /** Erases the line and ends this piece of work: the next update waits its delay again. */
  done(): void;
}

export interface ProgressOptions {
  /** `TERM=dumb` terminals cannot overwrite a line; they get none. */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds since some fixed point; tests pass their own. */
  now?: () => number;
  /** Work shorter than this shows no line (default 1 s). */
  delayMs?: number;
  /** At most one redraw per this many milliseconds (default 100). */
  intervalMs?: number;
}

const ERASE_LINE = '\u001b[K';

/** A progress line on `stream` when it is a terminal; a line that does nothing otherwise. */
export function progressLine(stream: ProgressStream, options: ProgressOptions = {}): ProgressLine {
  const env = options.env ?? process.env;
  if (stream.isTTY !== true || env.TERM === 'dumb') {
    return { update: () => undefined, clear: () => undefined, done: () => undefined };
  }
  const now = options.now ?? (() => performance.now());
  const delayMs = options.delayMs ?? 1000;
  const intervalMs = options.intervalMs ?? 100;
  let startedAt: number | undefined;
  let drawnAt: number | undefined;
  let shown = false;

  const clear = (): void => {
    if (!shown) return;
    stream.write(`\r${ERASE_LINE}`);
    shown = false;
    drawnAt = undefined;
  };
  return {
    update(text) {
      const at = now();
      startedAt ??= at;
      if (at - startedAt < delayMs) return;
      if (shown && drawnAt !== undefined && at - drawnAt < intervalMs) return;
      const width = Math.max(10, (stream.columns ?? 80) - 1);
      const line = text.length > width ? `${text.slice(0, width - 1)}…` : text;
      stream.write(`\r${line}${ERASE_LINE}`);
      shown = true;
      drawnAt = at;
    },
    clear,
    done() {
      clear();
      startedAt = undefined;
    },
  };
}
