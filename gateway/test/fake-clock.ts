import type { Clock } from '../src/domain/stability-scheduler.ts';

/** A clock moved by hand: time stands still until advance(), and a timer fires only when it is reached. */
export class FakeClock implements Clock {
  private at: number;
  private readonly timers = new Set<{ due: number; run: () => void }>();

  constructor(start = Date.UTC(2026, 11, 7)) {
    this.at = start;
  }

  now(): number {
    return this.at;
  }

  setTimer(run: () => void, ms: number): { cancel(): void } {
    const timer = { due: this.at + ms, run };
    this.timers.add(timer);
    return { cancel: () => this.timers.delete(timer) };
  }

  /** Moves the time on, firing the timers reached, earliest first. */
  advance(ms: number): void {
    this.at += ms;
    for (const timer of [...this.timers].sort((a, b) => a.due - b.due)) {
      if (timer.due > this.at) break;
      this.timers.delete(timer);
      timer.run();
    }
  }

  /** When the timers set are due, in milliseconds from now. */
  get pending(): number[] {
    return [...this.timers].map((timer) => timer.due - this.at).sort((a, b) => a - b);
  }
}
