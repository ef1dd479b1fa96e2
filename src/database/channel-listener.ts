import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import type { DataSource } from 'typeorm';

const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 10_000;

/**
 * The one LISTEN connection of an instance: every NOTIFY channel it hears (job changes, stops,
 * owners' rights, events, webhooks) on a dedicated client outside the pool, handed to the handlers
 * subscribed to it in subscription order. When the connection breaks (a database restart) it
 * reconnects with backoff and then tells the {@link onResumed} handlers, since whatever was notified
 * meanwhile was not heard.
 */
@Injectable()
export class ChannelListener {
  private readonly logger = new Logger(ChannelListener.name);
  private client: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelay = RECONNECT_FIRST_MS;
  private stopped = false;
  private listening = false;
  private readonly subscribers = new Map<string, Array<(payload: string) => void>>();
  private readonly resumedHandlers: Array<() => void> = [];

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get isListening(): boolean {
    return this.listening;
  }

  /**
   * Hands every NOTIFY payload of `channel` to `handler`. Subscribe before {@link start} (in a
   * constructor or onModuleInit): channels are LISTENed to when the connection opens.
   */
  subscribe(channel: string, handler: (payload: string) => void): void {
    if (!/^[a-z_]+$/.test(channel)) throw new Error(`Not a channel name: ${channel}`);
    const handlers = this.subscribers.get(channel) ?? [];
    handlers.push(handler);
    this.subscribers.set(channel, handlers);
  }

  /** Called after the connection came back from a loss: whatever was notified meanwhile was not heard. */
  onResumed(handler: () => void): void {
    this.resumedHandlers.push(handler);
  }

  /** Opens the connection and LISTENs; a failure is retried in the background like a lost connection. */
  async start(): Promise<void> {
    await this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const options = this.dataSource.driver.options as { url?: string };
    const client = new pg.Client({ connectionString: options.url, application_name: 'cronwarden-listener' });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (!message.payload) return;
      for (const handler of this.subscribers.get(message.channel) ?? []) handler(message.payload);
    });
    try {
      await client.connect();
      await client.query([...this.subscribers.keys()].map((channel) => `LISTEN ${channel}`).join('; '));
      this.client = client;
      this.listening = true;
      this.reconnectDelay = RECONNECT_FIRST_MS;
    } catch (error) {
      this.lost(client, error as Error);
    }
  }

  /** The connection broke (database restart): reconnect with backoff, then tell the resumed handlers. */
  private lost(client: pg.Client, error?: Error): void {
    if (this.client && this.client !== client) return;
    this.client = undefined;
    const wasListening = this.listening;
    this.listening = false;
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    if (this.stopped || this.reconnectTimer) return;
    if (wasListening)
      this.logger.warn(`Lost the job-change listener${error ? `: ${error.message}` : ''}; reconnecting`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.listen().then(() => {
        if (this.listening && wasListening) {
          this.logger.log('Job-change listener back');
          for (const handler of this.resumedHandlers) handler();
        }
      });
    }, this.reconnectDelay);
    this.reconnectTimer.unref();
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
  }
}
