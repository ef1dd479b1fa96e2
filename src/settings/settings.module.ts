import { Global, Module } from '@nestjs/common';
import { AppSettingsService } from './app-settings.service.js';
import { JwtSecretService } from './jwt-secret.service.js';

@Global()
@Module({
  providers: [AppSettingsService, JwtSecretService],
  exports: [AppSettingsService, JwtSecretService],
})
export class SettingsModule {}
