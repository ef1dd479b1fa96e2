import { AppSetting } from '../settings/entities/app-setting.entity.js';

/** Every TypeORM entity; a test checks that each `*.entity.ts` under src/ is listed here. */
export const ENTITIES = [AppSetting];
