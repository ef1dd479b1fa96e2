import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';
import type { JobClassMeta } from './job-class.types.js';

export const JOB_CLASS_META = 'cronwarden:job-class';

/**
 * Marks a provider as a job class: the registry finds every provider instance carrying this at
 * start, so adding a class is one decorated provider in any module.
 */
export const JobClass = (meta: JobClassMeta): ClassDecorator =>
  applyDecorators(Injectable(), SetMetadata(JOB_CLASS_META, meta));
