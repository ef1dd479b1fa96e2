import { CreateAppSettings1795457121434 } from './1795457121434-CreateAppSettings.js';
import { CreateUsersRolesAudit1795458551063 } from './1795458551063-CreateUsersRolesAudit.js';
import { CreateJobsAndExecutions1795460638750 } from './1795460638750-CreateJobsAndExecutions.js';
import { CreateScriptsAndInstances1795465232643 } from './1795465232643-CreateScriptsAndInstances.js';
import { AddJobsSuspendedReason1795472400000 } from './1795472400000-AddJobsSuspendedReason.js';
import { LoginThrottleBackoff1796593400000 } from './1796593400000-LoginThrottleBackoff.js';
import { GrantJobDeleteToJobManager1796602973449 } from './1796602973449-GrantJobDeleteToJobManager.js';
import { AddChangeEventTriggers1796700000000 } from './1796700000000-AddChangeEventTriggers.js';
import { CreateApiTokens1796850000000 } from './1796850000000-CreateApiTokens.js';
import { CreateRefreshTokens1796860000000 } from './1796860000000-CreateRefreshTokens.js';
import { AddRefreshTokenSuccessor1796870000000 } from './1796870000000-AddRefreshTokenSuccessor.js';
import { AddScriptsLanguage1796871000000 } from './1796871000000-AddScriptsLanguage.js';
import { CreateWebhooks1796905200000 } from './1796905200000-CreateWebhooks.js';
import { CreateSchedulerState1796910000000 } from './1796910000000-CreateSchedulerState.js';
import { AddJobTriggers1796920000000 } from './1796920000000-AddJobTriggers.js';
import { AddJobRetries1796930000000 } from './1796930000000-AddJobRetries.js';
import { AddOwnedJobsFunction1796940000000 } from './1796940000000-AddOwnedJobsFunction.js';

/**
 * Every migration, oldest first. Listed rather than globbed so that the app, the CLI and jest (which
 * cannot import .ts files through TypeORM's loader) all run the same set; a test checks that every
 * file of this folder is listed here.
 */
export const MIGRATIONS = [
  CreateAppSettings1795457121434,
  CreateUsersRolesAudit1795458551063,
  CreateJobsAndExecutions1795460638750,
  CreateScriptsAndInstances1795465232643,
  AddJobsSuspendedReason1795472400000,
  LoginThrottleBackoff1796593400000,
  GrantJobDeleteToJobManager1796602973449,
  AddChangeEventTriggers1796700000000,
  CreateApiTokens1796850000000,
  CreateRefreshTokens1796860000000,
  AddRefreshTokenSuccessor1796870000000,
  AddScriptsLanguage1796871000000,
  CreateWebhooks1796905200000,
  CreateSchedulerState1796910000000,
  AddJobTriggers1796920000000,
  AddJobRetries1796930000000,
  AddOwnedJobsFunction1796940000000,
];
