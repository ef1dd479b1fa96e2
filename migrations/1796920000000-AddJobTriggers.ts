import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Interval and date triggers, start/end bounds and jitter (issue 15): existing jobs stay cron jobs
 * without bounds or jitter. The checks repeat the API's validation where it is cheap.
 */
export class AddJobTriggers1796920000000 implements MigrationInterface {
  name = 'AddJobTriggers1796920000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "jobs" ADD "trigger" text NOT NULL DEFAULT 'cron'`);
    await queryRunner.query(`ALTER TABLE "jobs" ADD "interval_seconds" integer`);
    await queryRunner.query(`ALTER TABLE "jobs" ADD "run_date" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "jobs" ADD "start_date" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "jobs" ADD "end_date" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "jobs" ADD "jitter_seconds" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(
      `ALTER TABLE "jobs" ADD CONSTRAINT "CHK_jobs_trigger" CHECK ("trigger" IN ('cron', 'interval', 'date'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "jobs" ADD CONSTRAINT "CHK_jobs_interval_seconds" CHECK ("interval_seconds" BETWEEN 1 AND 31536000)`,
    );
    await queryRunner.query(
      `ALTER TABLE "jobs" ADD CONSTRAINT "CHK_jobs_jitter_seconds" CHECK ("jitter_seconds" BETWEEN 0 AND 3600)`,
    );
    await queryRunner.query(
      `ALTER TABLE "jobs" ADD CONSTRAINT "CHK_jobs_end_after_start" CHECK ("end_date" > "start_date")`,
    );
    await queryRunner.query(
      `ALTER TABLE "jobs" ADD CONSTRAINT "CHK_jobs_interval_fields" ` +
        `CHECK ("trigger" <> 'interval' OR ("interval_seconds" IS NOT NULL AND "start_date" IS NOT NULL))`,
    );
    await queryRunner.query(
      `ALTER TABLE "jobs" ADD CONSTRAINT "CHK_jobs_date_fields" CHECK ("trigger" <> 'date' OR "run_date" IS NOT NULL)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const check of [
      'CHK_jobs_date_fields',
      'CHK_jobs_interval_fields',
      'CHK_jobs_end_after_start',
      'CHK_jobs_jitter_seconds',
      'CHK_jobs_interval_seconds',
      'CHK_jobs_trigger',
    ]) {
      await queryRunner.query(`ALTER TABLE "jobs" DROP CONSTRAINT "${check}"`);
    }
    for (const column of ['jitter_seconds', 'end_date', 'start_date', 'run_date', 'interval_seconds', 'trigger']) {
      await queryRunner.query(`ALTER TABLE "jobs" DROP COLUMN "${column}"`);
    }
  }
}
