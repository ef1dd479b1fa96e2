import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinTable,
  ManyToMany,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Role } from './role.entity.js';

@Entity({ name: 'users' })
@Index('UQ_users_username_lower', { synchronize: false })
export class User {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Unique regardless of case (index on lower(username), created by the migration). */
  @Column({ type: 'text' })
  username!: string;

  @Column({ type: 'text', nullable: true })
  email!: string | null;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  /** Bumped by a password change, disabling, or an operator reset: tokens carrying an older version are refused. */
  @Column({ name: 'token_version', type: 'integer', default: 0 })
  tokenVersion!: number;

  @ManyToMany(() => Role)
  @JoinTable({
    name: 'user_roles',
    joinColumn: { name: 'user_id', referencedColumnName: 'id', foreignKeyConstraintName: 'FK_user_roles_user' },
    inverseJoinColumn: { name: 'role_id', referencedColumnName: 'id', foreignKeyConstraintName: 'FK_user_roles_role' },
  })
  roles!: Role[];

  @CreateDateColumn({ name: 'created_time', type: 'timestamptz' })
  createdTime!: Date;

  @UpdateDateColumn({ name: 'updated_time', type: 'timestamptz' })
  updatedTime!: Date;

  @Column({ name: 'last_login', type: 'timestamptz', nullable: true })
  lastLogin!: Date | null;
}
