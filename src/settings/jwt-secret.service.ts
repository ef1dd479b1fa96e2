import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { AppSettingsService } from './app-settings.service.js';

export type JwtSecretSource = 'JWT_SECRET' | 'DATA_DIR' | 'database';

const generate = (): string => randomBytes(48).toString('base64url');

/**
 * The key that signs access tokens: `JWT_SECRET` when set; otherwise generated once and kept in
 * `DATA_DIR/jwt-secret` (embedded database) or in the `app_settings` table (`DATABASE_URL`), so
 * restarts and every replica accept the same tokens.
 */
@Injectable()
export class JwtSecretService implements OnModuleInit {
  private secret: string | undefined;
  private origin: JwtSecretSource | undefined;

  constructor(
    private readonly config: ConfigService<AppConfig, true>,
    private readonly settings: AppSettingsService,
  ) {}

  async onModuleInit(): Promise<void> {
    const configured = this.config.get('auth.jwtSecret', { infer: true });
    if (configured) {
      [this.secret, this.origin] = [configured, 'JWT_SECRET'];
    } else if (this.config.get('database.url', { infer: true })) {
      [this.secret, this.origin] = [await this.settings.getOrCreate('jwt_secret', generate), 'database'];
    } else {
      [this.secret, this.origin] = [await this.fromDataDir(), 'DATA_DIR'];
    }
  }

  get value(): string {
    if (!this.secret) throw new Error('JWT secret read before the module was initialised');
    return this.secret;
  }

  get source(): JwtSecretSource | undefined {
    return this.origin;
  }

  private async fromDataDir(): Promise<string> {
    const file = path.join(this.config.get('embedded.dataDir', { infer: true }), 'jwt-secret');
    if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
    const secret = generate();
    // `wx`: two instances starting on one DATA_DIR keep whichever secret was written first.
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    return (await readFile(file, 'utf8')).trim();
  }
}
