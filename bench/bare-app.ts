// The baseline for API benchmarks: Nest 12 on the same Fastify adapter, one route, no auth, no
// database, no logging. Run by bench/run.ts as its own process: `node dist/bench/bare-app.js <port>`.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

@Controller('bare')
class BareController {
  @Get()
  get(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), { logger: false });
await app.listen(Number(process.argv[2] ?? 9999), '127.0.0.1');
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
