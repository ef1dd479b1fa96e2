import { Injectable } from '@nestjs/common';
import { AppSettingsRepository } from '../database/repositories/app-settings.repository.js';

@Injectable()
export class AppSettingsService {
  constructor(private readonly settings: AppSettingsRepository) {}

  /**
   * Returns the stored value of `key`, storing `candidate` first if there is none. Replicas racing
   * on the same key all get the value of whichever insert won (`ON CONFLICT DO NOTHING`).
   */
  getOrCreate(key: string, candidate: () => string): Promise<string> {
    return this.settings.insertIfAbsentAndGet(key, candidate());
  }
}
