import { createHash } from 'node:crypto';
import { BadRequestException, ConflictException, Injectable, PayloadTooLargeException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { AccessService, notFound } from '../access/access.service.js';
import type { AuthUser } from '../access/auth-user.js';
import type { AppConfig } from '../config/app-config.js';
import { UploadScriptDto } from './dto/script.dto.js';
import type { Script } from '../database/entities/script.entity.js';
import { JobsRepository } from '../database/repositories/jobs.repository.js';
import { ScriptsRepository } from '../database/repositories/scripts.repository.js';
import type { ScriptCode } from '../job-classes/script-source.js';
import { PythonCheck } from './python-check.js';
import { SCRIPT_NAME, scriptProblem } from './script-check.js';
import { languageOf } from './script-language.js';

const SCRIPT = 'Script';

/** What was uploaded: a multipart file or a JSON body. */
export type ScriptUpload = { file: { originalname: string; buffer: Buffer } } | { body: unknown };

/** Uploaded scripts, owned and scoped like jobs; checked at upload, never executed here. */
@Injectable()
export class ScriptsService {
  constructor(
    private readonly scripts: ScriptsRepository,
    private readonly jobs: JobsRepository,
    private readonly access: AccessService,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly pythonCheck: PythonCheck,
  ) {}

  async list(user: AuthUser, limit: number, offset: number): Promise<{ rows: Script[]; total: number }> {
    return this.scripts.listPage(this.access.readScope(user), limit, offset);
  }

  /**
   * The ScriptJobs (pub_args[0]) that use each of these scripts, among the jobs the caller may see,
   * by name: one statement for a whole page of scripts.
   */
  async jobsUsing(user: AuthUser, scriptIds: string[]): Promise<Map<string, Array<{ job_id: string; name: string }>>> {
    const byScript = new Map<string, Array<{ job_id: string; name: string }>>(scriptIds.map((id) => [id, []]));
    if (scriptIds.length === 0) return byScript;
    const rows = await this.jobs.listScriptJobsUsing(this.access.readScope(user), scriptIds);
    for (const row of rows) byScript.get(row.scriptId)?.push({ job_id: row.jobId, name: row.name });
    return byScript;
  }

  async get(user: AuthUser, id: string): Promise<Script> {
    const script = await this.scripts.findById(this.access.readScope(user), id);
    if (!script) throw notFound(SCRIPT);
    return script;
  }

  /**
   * 413 past SCRIPT_MAX_BYTES; 400 for a bad name, a module that does not parse or exports no `run`, a
   * Python script that does not compile or defines no `run`, or a Python script when there is no Python.
   */
  async upload(user: AuthUser, upload: ScriptUpload): Promise<Script> {
    const { name, source } = await this.readUpload(upload);
    const size = Buffer.byteLength(source, 'utf8');
    const max = this.config.get('sandbox.scriptMaxBytes', { infer: true });
    if (size > max)
      throw new PayloadTooLargeException(`The script is ${size} bytes; the limit is ${max} (SCRIPT_MAX_BYTES)`);
    const language = languageOf(name);
    const problem = language === 'python' ? await this.pythonCheck.problem(source, name) : scriptProblem(source);
    if (problem) throw new BadRequestException([problem]);
    const script = await this.scripts.insert({
      name,
      language,
      source,
      size,
      sha256: createHash('sha256').update(source).digest('hex'),
      ownerId: user.id,
    });
    return this.get(user, script.id);
  }

  /** 409 while a job uses it. */
  async remove(user: AuthUser, id: string): Promise<void> {
    const script = await this.get(user, id);
    this.access.assertCanAct(user, script.ownerId, SCRIPT);
    const users = await this.jobs.findScriptJobsUsingAcrossOwners(script.id, 5);
    if (users.length > 0) {
      throw new ConflictException(
        `The script is used by jobs: ${users.map((job) => `"${job.name}" (${job.id})`).join(', ')}`,
      );
    }
    await this.scripts.delete(script.id);
  }

  /**
   * Whether the owner of a job may use this script: their own, or any with view_all or as admin
   * ("a job may only use a script its owner can see").
   */
  async isUsableBy(scriptId: string, ownerId: string): Promise<boolean> {
    return (await this.sourceFor(scriptId, ownerId)) !== null;
  }

  /** The source (and language) of a script the job owner can see, or null. */
  async sourceFor(scriptId: string, ownerId: string | null): Promise<ScriptCode | null> {
    if (!ownerId) return null;
    return this.scripts.findSourceUsableBy(scriptId, ownerId);
  }

  private async readUpload(upload: ScriptUpload): Promise<{ name: string; source: string }> {
    if ('file' in upload) {
      const name = upload.file.originalname;
      if (!SCRIPT_NAME.test(name)) {
        throw new BadRequestException(['file name must end in .js, .mjs or .py (letters, digits, . _ -)']);
      }
      return { name, source: upload.file.buffer.toString('utf8') };
    }
    const dto = plainToInstance(UploadScriptDto, upload.body ?? {});
    const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length > 0) {
      throw new BadRequestException(errors.flatMap((error) => Object.values(error.constraints ?? {})));
    }
    return { name: dto.name, source: dto.source };
  }
}
