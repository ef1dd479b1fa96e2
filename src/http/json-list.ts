import { Header } from '@nestjs/common';
import { Slots } from '../common/slots.js';

/**
 * How many list answers (`GET /jobs`, `GET /executions`) this process builds at a time; the others wait.
 * Each holds a page of some hundred KiB several times over (PostgreSQL's text, `pg`'s buffer, the body):
 * with 16 at once the peak RSS of the memory scenario rose by about 20 MiB. Two keep both cores busy
 * (PostgreSQL writes one page while Node sends another).
 */
export const LIST_BUILDS = new Slots(2);

/**
 * A list answer whose items are JSON text already (written by PostgreSQL, see
 * `src/database/repositories/json-text.sql.ts`): `{"<key>":[<items>],"total":N}`, where `items` is the
 * text of the items joined by commas, given in `parts` written one after the other. The bytes are what
 * `JSON.stringify({ [key]: items, total })` writes, in UTF-8, each part encoded straight into one buffer
 * of the right size: joining the parts into one string and encoding that took 18× longer (3.8 against
 * 0.21 ms for 500 items of 740 bytes), and a string of a few hundred KiB costs a Node HTTP server about
 * 2 ms more CPU to send than its bytes (docs/benchmarks.md, "After (lists)").
 */
export function jsonListBody(key: string, parts: readonly string[], total: number): Buffer {
  const head = `{${JSON.stringify(key)}:[`;
  const tail = `],"total":${total}}`;
  let size = Buffer.byteLength(head) + Buffer.byteLength(tail);
  for (const part of parts) size += Buffer.byteLength(part);
  const body = Buffer.allocUnsafe(size);
  let at = body.write(head, 0);
  for (const part of parts) at += body.write(part, at);
  body.write(tail, at);
  return body;
}

/**
 * A route that answers JSON bytes (a Buffer): the content type Fastify gives a serialised object, with
 * which Fastify sends the bytes as they are.
 */
export const AnswersJsonBytes = (): MethodDecorator => Header('Content-Type', 'application/json; charset=utf-8');
