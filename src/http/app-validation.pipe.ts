import { type ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import { assertAcceptableBody } from './body-guard.js';

/**
 * The global pipe: class-validator DTOs (unknown fields refused, values transformed), after a check
 * that the body holds no reserved key and is not nested too deep (see body-guard.ts). Every `@Body()`
 * passes here whatever its type (a multipart body built by an interceptor, an `unknown` body a
 * service transforms itself), so class-transformer never sees a `constructor` key it would take for
 * a class, nor recurses until the stack overflows.
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') assertAcceptableBody(value);
    return super.transform(value, metadata);
  }
}
