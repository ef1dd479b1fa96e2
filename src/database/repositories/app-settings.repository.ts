import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppSetting } from '../entities/app-setting.entity.js';

/** The `app_settings` table: instance-wide values every replica shares (a generated JWT key, ...). */
@Injectable()
export class AppSettingsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Stores `value` under `key` unless the key holds a value already (`ON CONFLICT DO NOTHING`: replicas
   * racing on the same key leave the first insert's value), then answers the stored value.
   */
  async insertIfAbsentAndGet(key: string, value: string): Promise<string> {
    await this.dataSource.createQueryBuilder().insert().into(AppSetting).values({ key, value }).orIgnore().execute();
    const row = await this.dataSource.getRepository(AppSetting).findOneByOrFail({ key });
    return row.value;
  }
}
