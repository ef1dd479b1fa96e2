import { Body, Controller, Get, Post } from '@nestjs/common';
import { IsInt, IsString, Min } from 'class-validator';
import { Public } from '../src/auth/decorators.js';
import { createTestApp, type TestApp } from './support/test-app.js';

class EchoDto {
  @IsString()
  name!: string;

  @IsInt()
  @Min(1)
  count!: number;
}

/** Test-only routes that exercise the global HTTP plumbing. */
@Public()
@Controller('test-only')
class PlumbingController {
  @Post('echo')
  echo(@Body() body: EchoDto): EchoDto {
    return body;
  }

  @Get('boom')
  boom(): never {
    throw new Error('secret internal detail: password=hunter2 at /srv/app.ts:42');
  }
}

describe('HTTP basics', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ controllers: [PlumbingController], env: { LOG_LEVEL: 'info' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers GET /health with 200 and the database up', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', db: 'up', details: { database: { status: 'up' } } });
    expect(typeof res.body.uptime_seconds).toBe('number');
  });

  it('answers an unknown route with Nest’s 404 body', async () => {
    const res = await t.http().get('/api/v1/no-such-thing').expect(404);
    expect(res.body).toEqual({ statusCode: 404, message: 'Cannot GET /api/v1/no-such-thing', error: 'Not Found' });
  });

  it('refuses a JSON body over 1 MB with 413 in Nest’s error shape', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024), count: 1 });
    const res = await t.http().post('/test-only/echo').set('Content-Type', 'application/json').send(big).expect(413);
    expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
  });

  it('accepts a body just under the limit', async () => {
    const name = 'x'.repeat(1000 * 1000);
    const res = await t.http().post('/test-only/echo').send({ name, count: 2 }).expect(201);
    expect(res.body.count).toBe(2);
  });

  it('transforms and validates bodies, naming the bad field', async () => {
    const res = await t.http().post('/test-only/echo').send({ name: 'a', count: 0 }).expect(400);
    expect(res.body).toEqual({ statusCode: 400, message: ['count must not be less than 1'], error: 'Bad Request' });
  });

  it('rejects unknown fields instead of silently dropping them', async () => {
    const res = await t.http().post('/test-only/echo').send({ name: 'a', count: 1, is_admin: true }).expect(400);
    expect(res.body.message).toEqual(['property is_admin should not exist']);
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const res = await t
      .http()
      .post('/test-only/echo')
      .set('Content-Type', 'application/json')
      .send('{"name":')
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('turns an unexpected error into a 500 that reveals nothing, with the request id in the header only', async () => {
    const res = await t.http().get('/test-only/boom').expect(500);
    expect(res.body).toEqual({ statusCode: 500, message: 'Internal server error', error: 'Internal Server Error' });
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    const requestId: string = res.headers['x-request-id'];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const logged = t.logs().find((line) => line.level === 50 && JSON.stringify(line).includes('hunter2'));
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toContain(requestId);
    expect((logged?.err as { stack?: string } | undefined)?.stack).toMatch(/at .*PlumbingController/);
  });

  it('logs every request with its request id', async () => {
    const res = await t.http().get('/health').expect(200);
    const requestId: string = res.headers['x-request-id'];
    const line = t.logs().find((entry) => (entry.req as { id?: string } | undefined)?.id === requestId);
    expect(line).toMatchObject({ msg: 'request completed', res: { statusCode: 200 } });
  });

  it('gives every response a request id and keeps a sane incoming one', async () => {
    const own = await t.http().get('/health').set('X-Request-Id', 'trace-abc-12345').expect(200);
    expect(own.headers['x-request-id']).toBe('trace-abc-12345');
    const bad = await t.http().get('/health').set('X-Request-Id', 'no\tgood').expect(200);
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends helmet’s security headers', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });
});
