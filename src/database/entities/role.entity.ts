import { Column, CreateDateColumn, Entity, Index, JoinTable, ManyToMany, PrimaryGeneratedColumn } from 'typeorm';
import { PermissionEntity } from './permission.entity.js';

@Entity({ name: 'roles' })
export class Role {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('UQ_roles_name', { unique: true })
  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @ManyToMany(() => PermissionEntity)
  @JoinTable({
    name: 'role_permissions',
    joinColumn: { name: 'role_id', referencedColumnName: 'id', foreignKeyConstraintName: 'FK_role_permissions_role' },
    inverseJoinColumn: {
      name: 'permission_name',
      referencedColumnName: 'name',
      foreignKeyConstraintName: 'FK_role_permissions_permission',
    },
  })
  permissions!: PermissionEntity[];

  @CreateDateColumn({ name: 'created_time', type: 'timestamptz' })
  createdTime!: Date;
}
