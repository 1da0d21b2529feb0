// Services spawned with no readiness check are told to the graph together:
// the host reports `spawned` on process.nextTick, so the services started by
// one reconcile all report in one run of the tick queue, and a microtask after
// it hands them over as one batch (one reconcile, not two per service).

export class UpBatch<T> {
  private items: T[] = [];

  constructor(private readonly flush: (batch: T[]) => void) {}

  add(item: T): void {
    if (this.items.length === 0) queueMicrotask(() => this.take());
    this.items.push(item);
  }

  private take(): void {
    const batch = this.items;
    this.items = [];
    this.flush(batch);
  }
}
