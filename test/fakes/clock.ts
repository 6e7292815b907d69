import type { Clock } from "../../core/ports.js";

/** A clock that moves only when told; sleep resolves at once and records the delay. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public current = Date.parse("2026-11-22T10:00:00.000Z")) {}
  now(): number {
    return this.current;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.current += ms;
  }
}
