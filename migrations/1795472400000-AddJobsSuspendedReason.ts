import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why a job's fires are skipped (its owner is disabled or lost the permission its class needs), or
 * null while it fires normally. Set and cleared by the claim and by user/role changes.
 */
export class AddJobsSuspendedReason1795472400000 implements MigrationInterface {
  name = 'AddJobsSuspendedReason1795472400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "jobs" ADD "suspended_reason" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "jobs" DROP COLUMN "suspended_reason"`);
  }
}
