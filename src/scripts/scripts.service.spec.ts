import { BadRequestException, ConflictException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { fakeUser } from '../../test/support/fake-user.js';
import { fakeConfig, FakeJobsRepository, FakeScriptsRepository } from '../../test/support/new-test-service.js';
import { AccessService } from '../access/access.service.js';
import type { AppConfig } from '../config/app-config.js';
import type { JobsRepository } from '../database/repositories/jobs.repository.js';
import type { ScriptsRepository } from '../database/repositories/scripts.repository.js';
import type { PythonCheck } from './python-check.js';
import { ScriptsService } from './scripts.service.js';

function newTestService() {
  const scripts = new FakeScriptsRepository();
  const jobs = new FakeJobsRepository();
  const service = new ScriptsService(
    scripts as unknown as ScriptsRepository,
    jobs as unknown as JobsRepository,
    new AccessService(),
    fakeConfig({ 'sandbox.scriptMaxBytes': 100 }) as unknown as ConfigService<AppConfig, true>,
    { problem: () => Promise.resolve(null) } as unknown as PythonCheck,
  );
  return { service, scripts, jobs };
}

describe('ScriptsService (repositories faked)', () => {
  const alice = fakeUser('alice', ['job_manager']);

  it('uploads a script that exports run, owned by the caller', async () => {
    const { service, scripts } = newTestService();
    const script = await service.upload(alice, {
      body: { name: 'hello.js', source: 'export function run() { return 1; }' },
    });
    expect(script).toMatchObject({ name: 'hello.js', ownerId: 'alice' });
    expect(scripts.rows).toHaveLength(1);
  });

  it('refuses a script past SCRIPT_MAX_BYTES (413) and one without run (400)', async () => {
    const { service, scripts } = newTestService();
    await expect(
      service.upload(alice, { body: { name: 'big.js', source: `export function run() {}\n//${'x'.repeat(200)}` } }),
    ).rejects.toBeInstanceOf(PayloadTooLargeException);
    await expect(
      service.upload(alice, { body: { name: 'norun.js', source: 'export const x = 1;' } }),
    ).rejects.toBeInstanceOf(BadRequestException);
    expect(scripts.rows).toEqual([]);
  });

  it('answers 404 for another user’s script', async () => {
    const { service, scripts } = newTestService();
    const bobs = scripts.add({ ownerId: 'bob' });
    await expect(service.get(alice, bobs.id)).rejects.toBeInstanceOf(NotFoundException);
  });

  it('refuses to delete a script a job uses (409, any owner’s job), deletes it otherwise', async () => {
    const { service, scripts, jobs } = newTestService();
    const used = scripts.add({ ownerId: 'alice' });
    jobs.add({ ownerId: 'bob', jobClassString: 'ScriptJob', pubArgs: [used.id], name: 'bobs job' });
    await expect(service.remove(alice, used.id)).rejects.toBeInstanceOf(ConflictException);
    const unused = scripts.add({ ownerId: 'alice' });
    await service.remove(alice, unused.id);
    expect(scripts.rows.map((row) => row.id)).toEqual([used.id]);
  });

  it('lists the jobs using each script within the caller’s scope', async () => {
    const { service, scripts, jobs } = newTestService();
    const script = scripts.add({ ownerId: 'alice' });
    const mine = jobs.add({ ownerId: 'alice', jobClassString: 'ScriptJob', pubArgs: [script.id], name: 'mine' });
    jobs.add({ ownerId: 'bob', jobClassString: 'ScriptJob', pubArgs: [script.id], name: 'bobs' });
    const using = await service.jobsUsing(alice, [script.id]);
    expect(using.get(script.id)).toEqual([{ job_id: mine.id, name: 'mine' }]);
  });
});
