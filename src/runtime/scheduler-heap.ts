import type { ScheduledTask } from './scheduler.js';

/**
 * A binary min-heap of tasks by due time (ties: the one pushed first). The scheduler keeps every armed
 * task here so finding the next due one costs O(log n) instead of a walk over all armed tasks (a
 * repeat task per firing alert group makes that walk long); replaced or cancelled tasks are left in
 * place and skipped when they reach the top (the caller decides what is stale).
 */
export class TaskHeap {
  readonly #items: { task: ScheduledTask; seq: number }[] = [];
  #seq = 0;

  get size(): number {
    return this.#items.length;
  }

  push(task: ScheduledTask): void {
    const items = this.#items;
    items.push({ task, seq: this.#seq++ });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  peek(): ScheduledTask | undefined {
    return this.#items[0]?.task;
  }

  pop(): ScheduledTask | undefined {
    const items = this.#items;
    const top = items[0];
    if (top === undefined) return undefined;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < items.length && this.#less(left, least)) least = left;
        if (right < items.length && this.#less(right, least)) least = right;
        if (least === i) break;
        this.#swap(i, least);
        i = least;
      }
    }
    return top.task;
  }

  #less(a: number, b: number): boolean {
    const x = this.#items[a]!;
    const y = this.#items[b]!;
    return x.task.dueMs < y.task.dueMs || (x.task.dueMs === y.task.dueMs && x.seq < y.seq);
  }

  #swap(a: number, b: number): void {
    const items = this.#items;
    const t = items[a]!;
    items[a] = items[b]!;
    items[b] = t;
  }
}
