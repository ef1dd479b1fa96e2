import { AuditLog } from './audit-log.entity.js';
import { Execution } from './execution.entity.js';
import { Instance } from './instance.entity.js';
import { Job } from './job.entity.js';
import { SchedulerStateRow } from './scheduler-state.entity.js';
import { Script } from './script.entity.js';
import { LoginFailure } from './login-failure.entity.js';
import { RevokedToken } from './revoked-token.entity.js';
import { ApiToken } from './api-token.entity.js';
import { RefreshToken } from './refresh-token.entity.js';
import { AppSetting } from './app-setting.entity.js';
import { PermissionEntity } from './permission.entity.js';
import { Role } from './role.entity.js';
import { User } from './user.entity.js';
import { Webhook } from './webhook.entity.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';

/** Every TypeORM entity; a test checks that each `*.entity.ts` under src/ is listed here. */
export const ENTITIES = [
  AppSetting,
  AuditLog,
  Execution,
  Instance,
  Job,
  LoginFailure,
  RevokedToken,
  ApiToken,
  RefreshToken,
  PermissionEntity,
  Role,
  SchedulerStateRow,
  Script,
  User,
  Webhook,
  WebhookDelivery,
];
