import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { SCRIPT_NAME } from '../script-check.js';

export class UploadScriptDto {
  @ApiProperty({
    example: 'report.mjs',
    description: 'file name ending in .js or .mjs (a JavaScript module) or .py (a Python module)',
  })
  @IsString()
  @Matches(SCRIPT_NAME, { message: 'name must be a file name ending in .js, .mjs or .py (letters, digits, . _ -)' })
  name!: string;

  @ApiProperty({ example: 'export async function run(who) {\n  return { hello: who };\n}' })
  @IsString()
  source!: string;
}
