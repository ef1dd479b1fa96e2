import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Login throttling without lockouts: failures are counted per username + client address and per
 * address (no longer per username alone), and a key past its limit waits a doubling delay instead
 * of being locked. The keys change meaning, so the old counters are dropped.
 */
export class LoginThrottleBackoff1796593400000 implements MigrationInterface {
  name = 'LoginThrottleBackoff1796593400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "login_failures"`);
    await queryRunner.query(`ALTER TABLE "login_failures" DROP COLUMN "window_started_at"`);
    await queryRunner.query(`ALTER TABLE "login_failures" RENAME COLUMN "locked_until" TO "blocked_until"`);
    await queryRunner.query(`ALTER TABLE "login_failures" ALTER COLUMN "failures" SET DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE "login_failures" ADD "reserved_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "login_failures" ADD "last_failure_at" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "login_failures"`);
    await queryRunner.query(`ALTER TABLE "login_failures" DROP COLUMN "last_failure_at"`);
    await queryRunner.query(`ALTER TABLE "login_failures" DROP COLUMN "reserved_at"`);
    await queryRunner.query(`ALTER TABLE "login_failures" ALTER COLUMN "failures" DROP DEFAULT`);
    await queryRunner.query(`ALTER TABLE "login_failures" RENAME COLUMN "blocked_until" TO "locked_until"`);
    await queryRunner.query(
      `ALTER TABLE "login_failures" ADD "window_started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()`,
    );
    await queryRunner.query(`ALTER TABLE "login_failures" ALTER COLUMN "window_started_at" DROP DEFAULT`);
  }
}
