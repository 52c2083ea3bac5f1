import { countOf } from '../lambdas/core/digest.js';
import type { EditionSummary } from './local/pipeline.js';

/** What {@link onInterrupt} listens on: the process, or a stand-in in tests. */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  exit(code: number): never;
}

export interface Interrupt {
  /** Aborted at the first Ctrl-C: the send stops claiming readers. */
  signal: AbortSignal;
  /** Stops listening (the default Ctrl-C behaviour comes back). */
  dispose(): void;
}

/**
 * Ctrl-C while `run --once` or `digest` sends: the first press stops claiming new readers (the
 * messages already past their claim finish and are recorded, so nothing stays `claimed`) and the
 * command ends as soon as they have; a second press ends the process at once.
 */
export function onInterrupt(say: (line: string) => void, source: SignalSource = process): Interrupt {
  const controller = new AbortController();
  const listener = (): void => {
    if (controller.signal.aborted) {
      say('stopped at once: a reader being sent to right now may show as unknown after its lease');
      source.exit(1);
    }
    say(
      'stopping: no new reader is claimed; the messages in flight finish first (Ctrl-C again quits at once)',
    );
    controller.abort();
  };
  source.on('SIGINT', listener);
  source.on('SIGTERM', listener);
  return {
    signal: controller.signal,
    dispose() {
      source.off('SIGINT', listener);
      source.off('SIGTERM', listener);
    },
  };
}

/** One line per issue a stopped pass left unfinished: what went, what waits, and what finishes it. */
export function stoppedLines(summaries: readonly EditionSummary[]): string[] {
  return summaries
    .filter((s) => s.outcome !== 'not due' && s.enqueued > 0)
    .map((s) => {
      const waiting = Math.max(0, s.enqueued - s.ledger.total);
      const claimed = s.ledger.claimed > 0 ? `, ${s.ledger.claimed} still claimed` : ', none left claimed';
      return `${s.issueId}: stopped with ${countOf(s.ledger.sent, 'reader')} mailed and ${countOf(waiting, 'reader')} not yet${claimed}; the next "tidings run --once" or "tidings dev" pass sends to them`;
    });
}
