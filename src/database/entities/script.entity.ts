import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { ScriptLanguage } from '../../scripts/script-language.js';
import { User } from './user.entity.js';

/** An uploaded JavaScript module exporting `run(...args)`, or Python module defining `run(*args)`, for ScriptJob. */
@Entity({ name: 'scripts' })
@Check('CHK_scripts_language', `"language" IN ('javascript', 'python')`)
export class Script {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  source!: string;

  @Column({ type: 'text', default: 'javascript' })
  language!: ScriptLanguage;

  @Column({ type: 'text' })
  sha256!: string;

  @Column({ type: 'integer' })
  size!: number;

  @Index('IDX_scripts_owner_id')
  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'owner_id', foreignKeyConstraintName: 'FK_scripts_owner' })
  owner?: User;

  @CreateDateColumn({ name: 'created_time', type: 'timestamptz' })
  createdTime!: Date;
}
