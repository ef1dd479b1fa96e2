import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppSetting } from '../database/entities/app-setting.entity.js';

@Injectable()
export class AppSettingsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Returns the stored value of `key`, storing `candidate` first if there is none. Replicas racing
   * on the same key all get the value of whichever insert won (`ON CONFLICT DO NOTHING`).
   */
  async getOrCreate(key: string, candidate: () => string): Promise<string> {
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(AppSetting)
      .values({ key, value: candidate() })
      .orIgnore()
      .execute();
    const row = await this.dataSource.getRepository(AppSetting).findOneByOrFail({ key });
    return row.value;
  }
}
