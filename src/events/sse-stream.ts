import type { ServerResponse } from 'node:http';

/**
 * One open `text/event-stream` response. Writes never queue without bound: once the client has left
 * more than `maxUnsentBytes` unread, the stream is closed (the client reconnects and resyncs).
 */
export class SseStream {
  private closed = false;
  private readonly closeHandlers: Array<() => void> = [];

  constructor(
    private readonly response: ServerResponse,
    private readonly maxUnsentBytes: number,
  ) {
    response.on('close', () => this.markClosed());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes written but not yet taken by the client's socket. */
  get unsentBytes(): number {
    return this.response.writableLength;
  }

  onClose(handler: () => void): void {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }

  /** An event: `data` is sent as one line of JSON. */
  send(event: string, data: unknown, id?: string): void {
    const idLine = id === undefined ? '' : `id: ${id}\n`;
    this.write(`${idLine}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** A comment line (`: ping`), which clients ignore and proxies see as traffic. */
  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  /** Ends the response (the client sees the stream end). */
  close(): void {
    if (this.closed) return;
    this.response.end();
    this.markClosed();
  }

  private write(text: string): void {
    if (this.closed) return;
    this.response.write(text);
    if (this.response.writableLength > this.maxUnsentBytes) {
      // A client that does not read: drop it rather than hold its backlog.
      this.response.destroy();
      this.markClosed();
    }
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const handler of this.closeHandlers.splice(0)) handler();
  }
}
