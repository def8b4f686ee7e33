/** Where both bots' replies go in the in-memory comparison: counted and kept short, like a room's tail. */
export class RoomSink {
  count = 0;
  bytes = 0;
  readonly tail: string[] = [];

  post(room: string, text: string): void {
    this.count++;
    this.bytes += room.length + text.length;
    if (this.tail.length >= 8) this.tail.shift();
    this.tail.push(text);
  }
}
