import { AuditLog } from '../audit-logs/entities/audit-log.entity.js';
import { Execution } from '../executions/entities/execution.entity.js';
import { Instance } from '../instances/entities/instance.entity.js';
import { Job } from '../jobs/entities/job.entity.js';
import { Script } from '../scripts/entities/script.entity.js';
import { LoginFailure } from '../auth/entities/login-failure.entity.js';
import { RevokedToken } from '../auth/entities/revoked-token.entity.js';
import { ApiToken } from '../auth/entities/api-token.entity.js';
import { RefreshToken } from '../auth/entities/refresh-token.entity.js';
import { AppSetting } from '../settings/entities/app-setting.entity.js';
import { PermissionEntity } from '../users/entities/permission.entity.js';
import { Role } from '../users/entities/role.entity.js';
import { User } from '../users/entities/user.entity.js';
import { Webhook } from './entities/webhook.entity.js';
import { WebhookDelivery } from './entities/webhook-delivery.entity.js';

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
  Script,
  User,
  Webhook,
  WebhookDelivery,
];
