/**
 * Keeps the first `maxBytes` of a byte stream and only counts the rest, so a producer can be read to
 * its end (a child never blocks on a full pipe) while memory stays bounded.
 */
export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private keptBytes = 0;
  private droppedBytes = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Uint8Array): void {
    const room = this.maxBytes - this.keptBytes;
    if (room > 0) {
      const part = chunk.subarray(0, room);
      this.chunks.push(Buffer.from(part));
      this.keptBytes += part.length;
    }
    this.droppedBytes += Math.max(0, chunk.length - Math.max(room, 0));
  }

  get truncated(): boolean {
    return this.droppedBytes > 0;
  }

  /** The kept bytes, without a marker. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /**
   * The kept bytes as UTF-8. When cut, the cut falls between characters and a marker follows:
   * `[truncated: N more bytes]` when the whole stream was read (`drained`), else `[truncated after N bytes]`.
   */
  text(drained = true): string {
    const bytes = this.bytes();
    if (!this.truncated) return bytes.toString('utf8');
    const end = characterBoundary(bytes);
    const head = bytes.subarray(0, end).toString('utf8');
    const more = this.droppedBytes + bytes.length - end;
    return drained
      ? `${head}\n[truncated: ${more} more ${more === 1 ? 'byte' : 'bytes'}]`
      : `${head}\n[truncated after ${end} bytes]`;
  }
}

/** The length of `bytes` without a UTF-8 sequence the cut split in two. */
function characterBoundary(bytes: Buffer): number {
  let start = bytes.length - 1;
  while (start > 0 && start > bytes.length - 4 && (bytes[start] & 0xc0) === 0x80) start -= 1;
  if (start < 0) return 0;
  const lead = bytes[start];
  const length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return start + length > bytes.length ? start : bytes.length;
}
