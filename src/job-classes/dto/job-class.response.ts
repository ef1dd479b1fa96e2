import { ApiProperty } from '@nestjs/swagger';
import { type Permission, PERMISSIONS } from '../../access/permissions.js';
import type { JobArgumentType, JobClassMeta } from '../job-class.types.js';

const ARGUMENT_TYPES = Object.keys({
  string: true,
  number: true,
  integer: true,
  boolean: true,
  object: true,
  array: true,
  any: true,
} satisfies Record<JobArgumentType, true>);

export class JobArgumentResponse {
  @ApiProperty({ enum: ARGUMENT_TYPES, description: 'JSON type of the value; integer is a whole number' })
  type!: JobArgumentType;

  @ApiProperty({
    description: 'Starts with the argument name, then whether it is optional and its default',
    example: 'sleep_seconds (optional, default 0): seconds to wait first (0 or more)',
  })
  description!: string;
}

export class JobClassResponse {
  @ApiProperty({ example: 'SampleJob', description: 'What a job names in job_class_string' })
  job_class_string!: string;

  @ApiProperty({ example: 'Sample job' })
  name!: string;

  @ApiProperty()
  notes!: string;

  @ApiProperty({ type: [JobArgumentResponse], description: 'The positional pub_args, in order' })
  arguments!: JobArgumentResponse[];

  @ApiProperty({ type: 'array', items: {}, example: ['Hello from Cronwarden', 5, false] })
  example_arguments!: unknown[];

  @ApiProperty({
    enum: PERMISSIONS,
    nullable: true,
    description: 'Extra permission needed to create or change a job of this class',
    example: 'code_execute',
  })
  requires_permission!: Permission | null;
}

export class JobClassListResponse {
  @ApiProperty({ type: [JobClassResponse] })
  job_classes!: JobClassResponse[];
}

export function toJobClassResponse(meta: JobClassMeta): JobClassResponse {
  return {
    job_class_string: meta.jobClassString,
    name: meta.name,
    notes: meta.notes,
    arguments: meta.arguments.map(({ type, description }) => ({ type, description })),
    example_arguments: [...meta.exampleArguments],
    requires_permission: meta.requiresPermission ?? null,
  };
}
