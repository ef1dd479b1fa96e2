import { Injectable, Logger } from '@nestjs/common';
import type { ExecutionResponse } from '../executions/dto/execution.response.js';
import type { OpenStream } from './event-hub.service.js';
import { EventHub } from './event-hub.service.js';
import { OutputHub } from './output-hub.js';
import { storedOutput } from './stored-output.js';

/** How long `end` waits for the row to say the run finished once its output ended (or the other way round). */
const END_WAIT_MS = 2_000;

/**
 * Feeds one output stream (`GET /executions/:id/output`): the stored output of a finished execution,
 * or the live tail and chunks of a running one, then `end` with the finished execution.
 */
@Injectable()
export class ExecutionOutputService {
  private readonly logger = new Logger(ExecutionOutputService.name);

  constructor(
    private readonly hub: EventHub,
    private readonly outputs: OutputHub,
  ) {}

  follow(stream: OpenStream, execution: ExecutionResponse): void {
    const { sse } = stream;
    if (execution.state !== 'running') {
      this.sendStored(stream, execution);
      return;
    }
    const id = execution.execution_id;
    let outputEnded = false;
    let rowFinished = false;
    let ending: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(ending);
      cleanup();
      void this.hub
        .loadExecutions([id])
        .then((rows) => {
          const row = rows.get(id);
          if (row) sse.send('end', row);
        })
        .catch((error: Error) => this.logger.warn(`Loading execution ${id} for its end failed: ${error.message}`))
        .finally(() => sse.close());
    };
    const progress = (): void => {
      if (outputEnded && rowFinished) return finish();
      clearTimeout(ending);
      ending = setTimeout(finish, END_WAIT_MS);
      ending.unref();
    };
    const watch = this.outputs.watch(id, (event) => {
      if (event.kind === 'output') sse.send('output', event.chunk);
      else {
        outputEnded = true;
        progress();
      }
    });
    const unwatchRow = this.hub.watchExecution(id, (notice) => {
      if (notice.kind === 'execution' && notice.state !== 'running') {
        rowFinished = true;
        progress();
      }
    });
    const cleanup = (): void => {
      watch.stop();
      unwatchRow();
    };
    sse.onClose(() => {
      done = true;
      clearTimeout(ending);
      cleanup();
    });
    for (const chunk of watch.tail) sse.send('output', chunk);
    if (watch.ended) {
      outputEnded = true;
      progress();
    }
    // It may have finished between reading the row and watching it.
    void this.hub.loadExecutions([id]).then((rows) => {
      const row = rows.get(id);
      if (row && row.state !== 'running') {
        rowFinished = true;
        progress();
      }
    });
  }

  private sendStored(stream: OpenStream, execution: ExecutionResponse): void {
    for (const chunk of storedOutput(execution.result)) stream.sse.send('output', chunk);
    stream.sse.send('end', execution);
    stream.sse.close();
  }
}
