/**
 * At most `size` of some work at a time; the rest waits its turn, first come first served.
 */
export class Slots {
  private busy = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.busy >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.busy += 1;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, or frees.
      const next = this.waiting.shift();
      if (next) next();
      else this.busy -= 1;
    }
  }
}
