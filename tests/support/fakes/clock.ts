import type { Clock } from '../../../lambdas/core/ports.js';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(public current = new Date('2026-11-30T08:00:00Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
