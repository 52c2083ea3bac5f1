/** Runs work the response does not wait for (or, in Lambda, does wait for: see {@link inlineTasks}). */
export interface TaskRunner {
  run(task: () => Promise<unknown>): Promise<void>;
}

/**
 * Runs tasks after the response has gone, so an answer takes the same time whatever the task
 * finds (a known address, an unknown one, one that bounced). `drain()` waits for all of them.
 */
export class BackgroundTasks implements TaskRunner {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly onError: (error: unknown) => void = (error) => console.error(error)) {}

  run(task: () => Promise<unknown>): Promise<void> {
    const promise: Promise<void> = Promise.resolve()
      .then(task)
      .then(
        () => undefined,
        (error: unknown) => this.onError(error),
      )
      .finally(() => this.pending.delete(promise));
    this.pending.add(promise);
    return Promise.resolve();
  }

  /** Resolves once every task started so far (and any they started) has finished. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}

/**
 * Runs each task before the response is sent, for Lambda, where work left after the response may
 * be frozen with the instance. Failures are logged, never shown: the answer stays the same.
 */
export function inlineTasks(onError: (error: unknown) => void = (error) => console.error(error)): TaskRunner {
  return {
    async run(task) {
      try {
        await task();
      } catch (error) {
        onError(error);
      }
    },
  };
}
