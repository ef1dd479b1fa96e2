import { STATUS_CODES } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidTokenException } from '../auth/auth.errors.js';
import { TooManyRequestsException } from '../common/too-many-requests.exception.js';
import { DatabaseUnavailableException, isDatabaseUnavailable } from '../database/database-unavailable.js';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.js';

export interface ErrorBody {
  statusCode: number;
  message: string | string[];
  error?: string;
}

const INTERNAL_ERROR: ErrorBody = {
  statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
  message: 'Internal server error',
  error: 'Internal Server Error',
};

/**
 * Nest's error shape for an HttpException, whatever was passed to its constructor; exceptions made
 * from a bare message (including Fastify's own: body too large, malformed JSON) get the `error` name too.
 */
export function errorBodyOf(exception: HttpException): ErrorBody {
  const status = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response === 'string') return { statusCode: status, message: response, error: STATUS_CODES[status] };
  return { statusCode: status, ...(response as Omit<ErrorBody, 'statusCode'>) };
}

/**
 * The single place that shapes error responses: HttpExceptions keep Nest's body; anything else
 * becomes a 500 that says nothing of internals, while the stack is logged with the request id
 * (the id travels in the `X-Request-Id` header, never in the body). A database that cannot be
 * reached is a 503 with Retry-After, not a 500.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(thrown: unknown, host: ArgumentsHost): void {
    const exception = isDatabaseUnavailable(thrown) ? new DatabaseUnavailableException() : thrown;
    if (exception !== thrown) this.logger.warn(`Database unavailable: ${(thrown as Error).message}`);
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const requestId = requestIdOf(request.raw);

    let body: ErrorBody;
    if (exception instanceof HttpException) {
      body = errorBodyOf(exception);
      if (body.statusCode >= 500 && !(exception instanceof DatabaseUnavailableException))
        this.logger.error({ err: exception, requestId }, exception.message);
    } else {
      body = INTERNAL_ERROR;
      const err = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error(
        { err, requestId, method: request.method, url: request.url },
        `Unhandled error: ${err.message}`,
      );
    }
    if (requestId) void reply.header(REQUEST_ID_HEADER, requestId);
    if (exception instanceof TooManyRequestsException || exception instanceof DatabaseUnavailableException)
      void reply.header('Retry-After', String(exception.retryAfterSeconds));
    if (exception instanceof InvalidTokenException) void reply.header('WWW-Authenticate', exception.challenge());
    void reply.status(body.statusCode).send(body);
  }
}
