import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller.js';
import { DashboardService } from './dashboard.service.js';

@Module({ providers: [DashboardService], controllers: [DashboardController] })
export class DashboardModule {}
