import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Instance-wide values that every replica must share, such as a generated JWT signing key. */
@Entity({ name: 'app_settings' })
export class AppSetting {
  @PrimaryColumn({ type: 'text' })
  key!: string;

  @Column({ type: 'text' })
  value!: string;

  @CreateDateColumn({ name: 'created_time', type: 'timestamptz' })
  createdTime!: Date;
}
