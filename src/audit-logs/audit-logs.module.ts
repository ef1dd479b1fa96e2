import { Global, Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module.js';
import { AuditLogService } from './audit-log.service.js';
import { AuditLogsController } from './audit-logs.controller.js';

@Global()
@Module({
  imports: [AccessModule],
  providers: [AuditLogService],
  controllers: [AuditLogsController],
  exports: [AuditLogService],
})
export class AuditLogsModule {}
