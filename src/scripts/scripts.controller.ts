import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor, type UploadedMultipartFile } from '@nestjs/platform-fastify/multipart';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  getSchemaPath,
  ApiExtraModels,
} from '@nestjs/swagger';
import type { AuthUser } from '../access/auth-user.js';
import { CurrentUser, RequirePermissions } from '../auth/decorators.js';
import { PaginationQueryDto } from '../common/pagination.dto.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { UploadScriptDto } from './dto/script.dto.js';
import {
  ScriptListResponse,
  ScriptResponse,
  ScriptWithSourceResponse,
  toScriptResponse,
  toScriptWithSourceResponse,
} from './dto/script.response.js';
import { ScriptsService } from './scripts.service.js';

/** The multipart parser's own cap; SCRIPT_MAX_BYTES (at most 16 MiB) is enforced by the service with a clear 413. */
const MULTIPART_FILE_CAP = 16 * 1024 * 1024 + 1;

@ApiTags('scripts')
@ApiExtraModels(UploadScriptDto)
@Controller(`${API_PREFIX}/scripts`)
@RequirePermissions('code_execute')
export class ScriptsController {
  constructor(private readonly scripts: ScriptsService) {}

  @Get()
  @ApiOperation({ summary: 'List scripts (without their source)' })
  @ApiOkResponse({ type: ScriptListResponse })
  async list(@CurrentUser() user: AuthUser, @Query() query: PaginationQueryDto): Promise<ScriptListResponse> {
    const { rows, total } = await this.scripts.list(user, query.limit, query.offset);
    const jobs = await this.scripts.jobsUsing(
      user,
      rows.map((script) => script.id),
    );
    return { scripts: rows.map((script) => toScriptResponse(script, jobs.get(script.id))), total };
  }

  @Post()
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: MULTIPART_FILE_CAP, files: 1 } }))
  @ApiOperation({
    summary:
      'Upload a script: a JavaScript module (.js, .mjs) exporting run(...args) or a Python module (.py) defining run(*args); multipart field `file`, or JSON {name, source}',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({
    schema: {
      oneOf: [
        { $ref: getSchemaPath(UploadScriptDto) },
        { type: 'object', properties: { file: { type: 'string', format: 'binary' } }, required: ['file'] },
      ],
    },
  })
  @ApiCreatedResponse({ type: ScriptResponse })
  @ApiBadRequestResponse({
    description:
      'Bad name; the module does not parse (compile, for Python: the message names the line) or defines no run; or Python is not available on this server',
  })
  @ApiPayloadTooLargeResponse({ description: 'Over SCRIPT_MAX_BYTES (256 KiB by default)' })
  async upload(
    @CurrentUser() user: AuthUser,
    @UploadedFile() file: UploadedMultipartFile | undefined,
    @Body() body: unknown,
  ): Promise<ScriptResponse> {
    const upload = file?.buffer ? { file: { originalname: file.originalname, buffer: file.buffer } } : { body };
    return toScriptResponse(await this.scripts.upload(user, upload));
  }

  @Get(':script_id')
  @ApiOperation({ summary: 'Get a script with its source' })
  @ApiOkResponse({ type: ScriptWithSourceResponse })
  @ApiNotFoundResponse()
  async get(@CurrentUser() user: AuthUser, @Param('script_id') id: string): Promise<ScriptWithSourceResponse> {
    const script = await this.scripts.get(user, id);
    const jobs = await this.scripts.jobsUsing(user, [script.id]);
    return toScriptWithSourceResponse(script, jobs.get(script.id) ?? []);
  }

  @Delete(':script_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a script (409 while a job uses it)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'A job uses the script' })
  async remove(@CurrentUser() user: AuthUser, @Param('script_id') id: string): Promise<void> {
    await this.scripts.remove(user, id);
  }
}
