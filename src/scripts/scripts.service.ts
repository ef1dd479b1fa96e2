import { createHash } from 'node:crypto';
import { BadRequestException, ConflictException, Injectable, PayloadTooLargeException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import { AccessService, notFound } from '../access/access.service.js';
import type { AuthUser } from '../access/auth-user.js';
import { ownerCondition, type OwnerScope } from '../access/owner-scope.js';
import type { AppConfig } from '../config/app-config.js';
import { UploadScriptDto } from './dto/script.dto.js';
import { Script } from '../database/entities/script.entity.js';
import { SCRIPT_NAME, scriptProblem } from './script-check.js';

const SCRIPT = 'Script';
const isUuid = (value: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/** What was uploaded: a multipart file or a JSON body. */
export type ScriptUpload = { file: { originalname: string; buffer: Buffer } } | { body: unknown };

/** Uploaded scripts, owned and scoped like jobs; checked at upload, never executed here. */
@Injectable()
export class ScriptsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  private query(): SelectQueryBuilder<Script> {
    return this.dataSource
      .getRepository(Script)
      .createQueryBuilder('script')
      .leftJoin('script.owner', 'owner')
      .addSelect(['owner.id', 'owner.username']);
  }

  private scoped(builder: SelectQueryBuilder<Script>, scope: OwnerScope): SelectQueryBuilder<Script> {
    return scope.kind === 'all'
      ? builder
      : builder.andWhere('script.owner_id = :scopeOwner', { scopeOwner: scope.ownerId });
  }

  async list(user: AuthUser, limit: number, offset: number): Promise<{ rows: Script[]; total: number }> {
    const [rows, total] = await this.scoped(this.query(), this.access.readScope(user))
      .select(['script.id', 'script.name', 'script.sha256', 'script.size', 'script.ownerId', 'script.createdTime'])
      .addSelect(['owner.id', 'owner.username'])
      .orderBy('script.name', 'ASC')
      .addOrderBy('script.id', 'ASC')
      .take(limit)
      .skip(offset)
      .getManyAndCount();
    return { rows, total };
  }

  /**
   * The ScriptJobs (pub_args[0]) that use each of these scripts, among the jobs the caller may see,
   * by name: one statement for a whole page of scripts.
   */
  async jobsUsing(user: AuthUser, scriptIds: string[]): Promise<Map<string, Array<{ job_id: string; name: string }>>> {
    const byScript = new Map<string, Array<{ job_id: string; name: string }>>(scriptIds.map((id) => [id, []]));
    if (scriptIds.length === 0) return byScript;
    const scope = this.access.readScope(user);
    const params: unknown[] = [scriptIds];
    if (scope.kind === 'owner') params.push(ownerCondition(scope).ownerId);
    const rows: Array<{ script_id: string; job_id: string; name: string }> = await this.dataSource.query(
      `SELECT j.pub_args->>0 AS script_id, j.id AS job_id, j.name FROM jobs j
        WHERE j.job_class_string = 'ScriptJob' AND j.pub_args->>0 = ANY($1::text[])
          ${scope.kind === 'owner' ? 'AND j.owner_id = $2' : ''}
        ORDER BY j.name, j.id`,
      params,
    );
    for (const row of rows) byScript.get(row.script_id)?.push({ job_id: row.job_id, name: row.name });
    return byScript;
  }

  async get(user: AuthUser, id: string): Promise<Script> {
    const script = isUuid(id)
      ? await this.scoped(this.query().where('script.id = :id', { id }), this.access.readScope(user)).getOne()
      : null;
    if (!script) throw notFound(SCRIPT);
    return script;
  }

  /** 413 past SCRIPT_MAX_BYTES; 400 for a bad name, a module that does not parse or exports no `run`. */
  async upload(user: AuthUser, upload: ScriptUpload): Promise<Script> {
    const { name, source } = await this.readUpload(upload);
    const size = Buffer.byteLength(source, 'utf8');
    const max = this.config.get('sandbox.scriptMaxBytes', { infer: true });
    if (size > max)
      throw new PayloadTooLargeException(`The script is ${size} bytes; the limit is ${max} (SCRIPT_MAX_BYTES)`);
    const problem = scriptProblem(source);
    if (problem) throw new BadRequestException([problem]);
    const script = this.dataSource.getRepository(Script).create({
      name,
      source,
      size,
      sha256: createHash('sha256').update(source).digest('hex'),
      ownerId: user.id,
    });
    await this.dataSource.getRepository(Script).save(script);
    return this.get(user, script.id);
  }

  /** 409 while a job uses it. */
  async remove(user: AuthUser, id: string): Promise<void> {
    const script = await this.get(user, id);
    this.access.assertCanAct(user, script.ownerId, SCRIPT);
    const users: Array<{ id: string; name: string }> = await this.dataSource.query(
      `SELECT id, name FROM jobs WHERE job_class_string = 'ScriptJob' AND pub_args->>0 = $1 LIMIT 5`,
      [script.id],
    );
    if (users.length > 0) {
      throw new ConflictException(
        `The script is used by jobs: ${users.map((job) => `"${job.name}" (${job.id})`).join(', ')}`,
      );
    }
    await this.dataSource.getRepository(Script).delete({ id: script.id });
  }

  /**
   * Whether the owner of a job may use this script: their own, or any with view_all or as admin
   * ("a job may only use a script its owner can see").
   */
  async isUsableBy(scriptId: string, ownerId: string): Promise<boolean> {
    return (await this.sourceFor(scriptId, ownerId)) !== null;
  }

  /** The source of a script the job owner can see, or null. */
  async sourceFor(scriptId: string, ownerId: string | null): Promise<string | null> {
    if (!isUuid(scriptId) || !ownerId) return null;
    const rows: Array<{ source: string }> = await this.dataSource.query(
      `SELECT s.source FROM scripts s
        WHERE s.id = $1 AND (s.owner_id = $2 OR EXISTS (
          SELECT 1 FROM user_roles ur JOIN roles r ON r.id = ur.role_id
            LEFT JOIN role_permissions rp ON rp.role_id = r.id
           WHERE ur.user_id = $2 AND (r.name = 'admin' OR rp.permission_name = 'view_all')))`,
      [scriptId, ownerId],
    );
    return rows[0]?.source ?? null;
  }

  private async readUpload(upload: ScriptUpload): Promise<{ name: string; source: string }> {
    if ('file' in upload) {
      const name = upload.file.originalname;
      if (!SCRIPT_NAME.test(name)) {
        throw new BadRequestException(['file name must end in .js or .mjs (letters, digits, . _ -)']);
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
