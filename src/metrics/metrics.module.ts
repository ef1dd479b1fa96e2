import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { Metrics } from './metrics.service.js';

@Module({
  providers: [Metrics],
  controllers: [MetricsController],
  exports: [Metrics],
})
export class MetricsModule {}
