import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query, UseGuards } from '@nestjs/common';
import {
  ApiParam,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { AuthUser } from '../access/auth-user.js';
import { CurrentUser, RequirePermissions } from '../auth/decorators.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { AnswersJsonBytes } from '../http/json-list.js';
import { ExportJobsQueryDto, ImportJobsDto, JobExportResponse, JobImportResponse } from './dto/job-import.dto.js';
import { CreateJobDto, PreviewScheduleDto, UpdateJobDto } from './dto/job.dto.js';
import {
  DeletedJobResponse,
  JobListResponse,
  JobOwnersResponse,
  JobResponse,
  SchedulePreviewResponse,
  toJobResponse,
} from './dto/job.response.js';
import { JobsQueryDto } from './dto/jobs.query.js';
import {
  JobActionGuard,
  JobClassesInImportGuard,
  JobClassInBodyGuard,
  JobClassOfJobGuard,
  JobVisibleGuard,
  GuardedJob,
  OwnerFilterGuard,
} from './job.guards.js';
import type { JobWithOwner } from '../database/repositories/jobs.repository.js';
import { JobTransferService } from './job-transfer.service.js';
import { JobsService } from './jobs.service.js';

const NOT_FOUND = 'No such job, or another user’s you may not see';
/** Safe to send from Swagger UI's "Try it out": a SampleJob that waits for a resume before it fires. */
const CREATE_EXAMPLE = {
  name: 'Sample, every minute',
  job_class_string: 'SampleJob',
  pub_args: ['Hello from Cronwarden'],
  month: '*',
  day_of_week: '*',
  day: '*',
  hour: '*',
  minute: '*',
  timezone: 'UTC',
  paused: true,
};

/** The same, on an interval: every two minutes from its creation. */
const INTERVAL_EXAMPLE = {
  name: 'Sample, every two minutes',
  job_class_string: 'SampleJob',
  pub_args: ['Hello from Cronwarden'],
  trigger: 'interval',
  interval_seconds: 120,
  jitter_seconds: 5,
  retries: 2,
  retry_delay_seconds: 30,
  paused: true,
};

const VALIDATION =
  'A field is invalid (named in the message): cron field, time zone, a schedule that never fires, job class, ' +
  'pub_args, trigger fields (interval_seconds, run_date in the past, end_date not after start_date, a field of ' +
  'another trigger type)';

@ApiTags('jobs')
@Controller(`${API_PREFIX}/jobs`)
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly transfer: JobTransferService,
  ) {}

  @Get()
  @RequirePermissions('job_view')
  @UseGuards(OwnerFilterGuard)
  @ApiOperation({
    summary: 'List jobs (your own; everyone’s with view_all or as admin), each with its latest execution',
  })
  @ApiOkResponse({ type: JobListResponse })
  @ApiBadRequestResponse({ description: 'limit over 1000, malformed filter, unknown sort' })
  @AnswersJsonBytes()
  async list(@CurrentUser() user: AuthUser, @Query() query: JobsQueryDto): Promise<Buffer> {
    return this.jobs.listJson(user, query);
  }

  // Declared before the `:job_id` routes (a static segment wins in Fastify's router anyway).
  @Get('owners')
  @RequirePermissions('job_view')
  @ApiOperation({
    summary: 'The owners of the jobs you may see, with their job counts (needs view_all or admin)',
    description:
      'What the owner_id filter of GET /jobs can choose from, without user_manage: only users who own at ' +
      'least one job, by username. 403 for callers who see only their own jobs, as for the owner_id filter.',
  })
  @ApiOkResponse({ type: JobOwnersResponse })
  @ApiForbiddenResponse({ description: 'Missing job_view, or without view_all (and not admin)' })
  async owners(@CurrentUser() user: AuthUser): Promise<JobOwnersResponse> {
    return { owners: await this.jobs.owners(user) };
  }

  @Get('export')
  @RequirePermissions('job_view')
  @UseGuards(OwnerFilterGuard)
  @ApiOperation({
    summary:
      'Export the definitions of the jobs you may see (filters as GET /jobs), for backups and keeping jobs in git',
    description:
      'Each job as POST /jobs and POST /jobs/import take it: without job_id, owner, next_run_time, ' +
      'suspended_reason and timestamps. Your own jobs; everyone’s with view_all or as admin. Ordered by name.',
  })
  @ApiOkResponse({ type: JobExportResponse })
  @ApiBadRequestResponse({ description: 'A malformed filter' })
  @ApiForbiddenResponse({ description: 'Missing job_view, or owner_id without view_all' })
  async export(@CurrentUser() user: AuthUser, @Query() query: ExportJobsQueryDto): Promise<JobExportResponse> {
    return { jobs: await this.transfer.export(user, query) };
  }

  @Post('import')
  @HttpCode(200)
  @RequirePermissions('job_create')
  @UseGuards(JobClassesInImportGuard)
  @ApiOperation({
    summary: 'Import jobs (as GET /jobs/export gives them) for yourself: all validated first, then written at once',
    description:
      'Every job is checked as POST /jobs checks one, before anything is written; any problem is a 400 naming ' +
      'the index and field (`jobs[3].hour "25" is out of range 0-23`) and nothing is written. Then all jobs are ' +
      'written in one transaction, owned by you, audited (`added`, `modified`) and scheduled at once; paused ' +
      'ones stay paused. A job matches one of yours by name: see on_conflict (default fail). Jobs of ShellJob and ' +
      'ScriptJob need code_execute; a ScriptJob must name a script you can use. MAX_JOBS_PER_USER counts the ' +
      'whole batch (429).',
  })
  @ApiBody({ type: ImportJobsDto })
  @ApiOkResponse({ type: JobImportResponse })
  @ApiBadRequestResponse({ description: 'A job is invalid (named as jobs[i].field), or two jobs share a name' })
  @ApiForbiddenResponse({
    description: 'Missing job_create; code_execute for a code class; job_modify for on_conflict=update',
  })
  @ApiConflictResponse({ description: 'on_conflict=fail (default) and you have jobs of these names already' })
  @ApiTooManyRequestsResponse({ description: 'The batch would pass MAX_JOBS_PER_USER' })
  async import(@CurrentUser() user: AuthUser, @Body() dto: ImportJobsDto): Promise<JobImportResponse> {
    return this.transfer.importJobs(user, dto.jobs, dto.on_conflict);
  }

  @Post()
  @RequirePermissions('job_create')
  @UseGuards(JobClassInBodyGuard)
  @ApiOperation({ summary: 'Create a job; it is scheduled at once (ShellJob and ScriptJob need code_execute)' })
  @ApiBody({
    type: CreateJobDto,
    examples: {
      paused_sample: {
        summary: 'A paused SampleJob every minute (resume it to see it fire)',
        value: CREATE_EXAMPLE,
      },
      paused_interval: {
        summary: 'A paused SampleJob every two minutes, each start delayed by up to 5 s',
        value: INTERVAL_EXAMPLE,
      },
    },
  })
  @ApiCreatedResponse({ type: JobResponse })
  @ApiBadRequestResponse({ description: VALIDATION })
  async create(@CurrentUser() user: AuthUser, @Body() dto: CreateJobDto): Promise<JobResponse> {
    return toJobResponse(await this.jobs.create(user, dto));
  }

  // Declared before the `:job_id` routes; a static segment wins in Fastify's router anyway.
  @Post('preview')
  @HttpCode(200)
  @RequirePermissions('job_view')
  @ApiOperation({
    summary:
      'The next 5 fire times of a schedule (trigger and its fields, cron fields and timezone, start/end; defaults as ' +
      'for a new job); saves nothing',
  })
  @ApiOkResponse({ type: SchedulePreviewResponse })
  @ApiBadRequestResponse({
    description:
      'A cron field, the time zone, the trigger or a trigger field is invalid, or the schedule never fires ' +
      '(named in the message)',
  })
  preview(@Body() dto: PreviewScheduleDto): SchedulePreviewResponse {
    return { next_run_times: this.jobs.preview(dto).map((time) => time.toISOString()) };
  }

  @Get(':job_id')
  @RequirePermissions('job_view')
  @UseGuards(JobVisibleGuard)
  @ApiParam({ name: 'job_id', type: String })
  @ApiOperation({ summary: 'Get a job' })
  @ApiOkResponse({ type: JobResponse })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  get(@GuardedJob() job: JobWithOwner): JobResponse {
    return toJobResponse(job);
  }

  @Put(':job_id')
  @RequirePermissions('job_modify')
  @UseGuards(JobClassInBodyGuard, JobActionGuard, JobClassOfJobGuard)
  @ApiParam({ name: 'job_id', type: String })
  @ApiOperation({ summary: 'Change the fields given (others keep their values); reschedules at once' })
  @ApiOkResponse({ type: JobResponse })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @ApiBadRequestResponse({ description: VALIDATION })
  async update(
    @CurrentUser() user: AuthUser,
    @GuardedJob() job: JobWithOwner,
    @Body() dto: UpdateJobDto,
  ): Promise<JobResponse> {
    return toJobResponse(await this.jobs.update(user, job, dto));
  }

  @Delete(':job_id')
  @RequirePermissions('job_delete')
  @UseGuards(JobActionGuard)
  @ApiParam({ name: 'job_id', type: String })
  @ApiOperation({ summary: 'Delete a job; it stops firing at once; its executions and audit logs are kept' })
  @ApiOkResponse({ type: DeletedJobResponse })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async remove(@CurrentUser() user: AuthUser, @GuardedJob() job: JobWithOwner): Promise<DeletedJobResponse> {
    await this.jobs.remove(user, job);
    return { job_id: job.id };
  }

  @Post(':job_id/pause')
  @HttpCode(200)
  @RequirePermissions('job_pause')
  @UseGuards(JobActionGuard)
  @ApiParam({ name: 'job_id', type: String })
  @ApiOperation({ summary: 'Pause: the job never fires; next_run_time is null while paused' })
  @ApiOkResponse({ type: JobResponse })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async pause(@CurrentUser() user: AuthUser, @GuardedJob() job: JobWithOwner): Promise<JobResponse> {
    return toJobResponse(await this.jobs.pause(user, job));
  }

  @Post(':job_id/resume')
  @HttpCode(200)
  @RequirePermissions('job_resume')
  @UseGuards(JobActionGuard)
  @ApiParam({ name: 'job_id', type: String })
  @ApiOperation({ summary: 'Resume: the job fires again from its next scheduled time' })
  @ApiOkResponse({ type: JobResponse })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async resume(@CurrentUser() user: AuthUser, @GuardedJob() job: JobWithOwner): Promise<JobResponse> {
    return toJobResponse(await this.jobs.resume(user, job));
  }
}
