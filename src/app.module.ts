import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { Logger } from 'pino';
import type { AppConfig } from './config/app-config.js';
import { AccessModule } from './access/access.module.js';
import { AuditLogsModule } from './audit-logs/audit-logs.module.js';
import { AuthModule } from './auth/auth.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { DatabaseModule } from './database/database.module.js';
import { EventsModule } from './events/events.module.js';
import { ExecutionsModule } from './executions/executions.module.js';
import { HealthModule } from './health/health.module.js';
import { InstancesModule } from './instances/instances.module.js';
import { SchedulerControlModule } from './scheduler-control/scheduler-control.module.js';
import { JobClassesModule } from './job-classes/job-classes.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RetentionModule } from './retention/retention.module.js';
import { ScriptsModule } from './scripts/scripts.module.js';
import { SettingsModule } from './settings/settings.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

export interface AppModuleOptions {
  config: AppConfig;
  /** Where the database really is: `DATABASE_URL`, or the embedded server's URL. */
  databaseUrl: string;
  logger: Logger;
}

@Module({})
export class AppModule {
  static forRoot({ config, databaseUrl, logger }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => config] }),
        LoggingModule.forRoot(logger),
        DatabaseModule.forRoot({ url: databaseUrl, poolSize: config.database.poolSize, logger }),
        MetricsModule,
        SettingsModule,
        AccessModule,
        AuditLogsModule,
        AuthModule,
        JobClassesModule,
        ScriptsModule,
        JobsModule,
        ExecutionsModule,
        EventsModule,
        WebhooksModule,
        RetentionModule,
        InstancesModule,
        SchedulerControlModule,
        DashboardModule,
        HealthModule,
      ],
    };
  }
}
