import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { User } from '../entities/user.entity.js';
import { isUuid } from './owner-filter.js';

/** The `users` table (lookups features need; user management keeps its own queries for now). */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The user's name, or null when `id` names no user (or is not an id). */
  async usernameOf(id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    const user = await this.dataSource
      .getRepository(User)
      .findOne({ where: { id }, select: { id: true, username: true } });
    return user?.username ?? null;
  }
}
