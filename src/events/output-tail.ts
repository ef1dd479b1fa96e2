import { StringDecoder } from 'node:string_decoder';

export type OutputStreamName = 'stdout' | 'stderr';

/** A piece of a run's output, as text. */
export interface OutputChunk {
  stream: OutputStreamName;
  data: string;
}

/**
 * The last `maxBytes` (UTF-8) of a run's stdout and stderr, interleaved as written: the oldest text
 * goes first when more arrives, so memory stays bounded however much the program prints.
 */
export class OutputTail {
  private chunks: OutputChunk[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.bytes;
  }

  push(chunk: OutputChunk): void {
    if (chunk.data.length === 0) return;
    const last = this.chunks.at(-1);
    if (last && last.stream === chunk.stream) last.data += chunk.data;
    else this.chunks.push({ ...chunk });
    this.bytes += Buffer.byteLength(chunk.data);
    this.trim();
  }

  /** The tail, adjacent pieces of the same stream joined. */
  snapshot(): OutputChunk[] {
    return this.chunks.map((chunk) => ({ ...chunk }));
  }

  private trim(): void {
    while (this.bytes > this.maxBytes && this.chunks.length > 0) {
      const first = this.chunks[0];
      const size = Buffer.byteLength(first.data);
      const excess = this.bytes - this.maxBytes;
      if (size <= excess) {
        this.chunks.shift();
        this.bytes -= size;
        continue;
      }
      const kept = dropLeadingBytes(first.data, excess);
      this.bytes -= size - Buffer.byteLength(kept);
      first.data = kept;
    }
  }
}

/** `text` without its first `count` bytes, cut between characters (so possibly a little more is dropped). */
export function dropLeadingBytes(text: string, count: number): string {
  const bytes = Buffer.from(text, 'utf8');
  let start = Math.min(count, bytes.length);
  while (start < bytes.length && (bytes[start] & 0xc0) === 0x80) start += 1;
  return bytes.subarray(start).toString('utf8');
}

/** Turns a stream's raw chunks into text without splitting a character between two chunks. */
export class ChunkDecoder {
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  decode(stream: OutputStreamName, chunk: Buffer): string {
    return this.decoders[stream].write(chunk);
  }

  /** Whatever incomplete character was left at the end, as replacement characters. */
  end(stream: OutputStreamName): string {
    return this.decoders[stream].end();
  }
}

/**
 * Splits `data` into pieces whose NOTIFY payload (`wrap(piece)`) stays under `maxPayloadBytes`
 * (JSON escaping can grow a character to 6 bytes, so pieces are measured, not guessed).
 */
export function splitForPayload(data: string, wrap: (piece: string) => string, maxPayloadBytes: number): string[] {
  const pieces: string[] = [];
  let rest = data;
  while (rest.length > 0) {
    let length = Math.min(rest.length, maxPayloadBytes);
    while (length > 1 && Buffer.byteLength(wrap(rest.slice(0, length))) > maxPayloadBytes) {
      length = Math.floor(length / 2);
    }
    // Never split a surrogate pair.
    const code = rest.charCodeAt(length - 1);
    if (length < rest.length && code >= 0xd800 && code <= 0xdbff) length = Math.max(1, length - 1);
    pieces.push(rest.slice(0, length));
    rest = rest.slice(length);
  }
  return pieces;
}
