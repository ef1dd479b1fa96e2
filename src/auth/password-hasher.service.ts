import { randomBytes } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import bcrypt from 'bcrypt';
import type { AppConfig } from '../config/app-config.js';

/**
 * bcrypt (native, off the main thread). `verify` against a missing user still runs one full
 * comparison against a dummy hash of the same cost, so unknown users and wrong passwords take the
 * same time.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash: string | undefined;

  constructor(private readonly config: ConfigService<AppConfig, true>) {}

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomBytes(24).toString('base64url'));
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.config.get('auth.bcryptCost', { infer: true }));
  }

  /** True when `password` matches `hash`; with no hash (unknown user), false after the same work. */
  async verify(password: string, hash: string | null | undefined): Promise<boolean> {
    const against = hash ?? this.dummyHash ?? (await this.hash('dummy-password-for-timing'));
    const matches = await bcrypt.compare(password, against);
    return hash ? matches : false;
  }
}
