/**
 * Work that must run in the order it arrived, though some of it is ready later than the rest: the
 * ingest thread takes a place in line for each message from the main thread as it arrives, and a
 * place is filled when its work is known (at once when the thread parsed the body itself, later when
 * the parse thread sends it back). Work runs as soon as every place before it has run.
 */
export class DeliveryOrder {
  readonly #line: { run: (() => void) | undefined }[] = [];

  /** Places taken and not yet run. */
  get waiting(): number {
    return this.#line.length;
  }

  /** Takes the next place in line; call the returned function with the place's work. */
  take(): (run: () => void) => void {
    const place: { run: (() => void) | undefined } = { run: undefined };
    this.#line.push(place);
    return (run) => {
      place.run = run;
      this.#advance();
    };
  }

  #advance(): void {
    while (this.#line.length > 0 && this.#line[0]!.run !== undefined) this.#line.shift()!.run!();
  }
}
