import { AdvisoryLocks } from '../advisory-locks.js';
import { Transactions } from '../transactions.js';
import { AppSettingsRepository } from './app-settings.repository.js';
import { AuditLogRepository } from './audit-log.repository.js';
import { ExecutionsRepository } from './executions.repository.js';
import { InstancesRepository } from './instances.repository.js';
import { JobsRepository } from './jobs.repository.js';
import { SchedulerStateRepository } from './scheduler-state.repository.js';
import { ScriptsRepository } from './scripts.repository.js';
import { UsersRepository } from './users.repository.js';
import { ApiTokensRepository } from './api-tokens.repository.js';
import { LoginFailuresRepository } from './login-failures.repository.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { RevokedTokensRepository } from './revoked-tokens.repository.js';
import { RolesRepository } from './roles.repository.js';

/** Every repository (one per table family), the transaction runner and the advisory locks, provided by the database module. */
export const REPOSITORIES = [
  Transactions,
  AuditLogRepository,
  ExecutionsRepository,
  InstancesRepository,
  JobsRepository,
  SchedulerStateRepository,
  ScriptsRepository,
  UsersRepository,
  ApiTokensRepository,
  LoginFailuresRepository,
  RefreshTokensRepository,
  RevokedTokensRepository,
  RolesRepository,
  AppSettingsRepository,
  AdvisoryLocks,
];
