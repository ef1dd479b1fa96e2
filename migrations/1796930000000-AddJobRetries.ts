import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retries (issue 15): a job's retry settings, and each execution's attempt and first attempt. A pending
 * retry is an execution row in state `scheduled` with trigger `retry`, due at its scheduled_time.
 * The claim key widens from `(job_id, scheduled_time)` to `(job_id, scheduled_time, retry_of)` NULLS
 * NOT DISTINCT: among fires (retry_of null) it is the same key as before, while a retry, due at its
 * previous attempt's finish plus a delay (any instant, even a fire's), never collides with a fire or
 * with another fire's retries. `(retry_of, attempt)` is unique: each attempt of a fire exists once.
 */
export class AddJobRetries1796930000000 implements MigrationInterface {
  name = 'AddJobRetries1796930000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "jobs" ADD "retries" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE "jobs" ADD "retry_delay_seconds" integer NOT NULL DEFAULT 30`);
    await queryRunner.query(`ALTER TABLE "jobs" ADD "retry_backoff" boolean NOT NULL DEFAULT true`);
    await queryRunner.query(`ALTER TABLE "jobs" ADD "retry_delay_max_seconds" integer NOT NULL DEFAULT 3600`);
    await queryRunner.query(`ALTER TABLE "jobs" ADD CONSTRAINT "CHK_jobs_retries" CHECK ("retries" BETWEEN 0 AND 10)`);
    await queryRunner.query(
      `ALTER TABLE "jobs" ADD CONSTRAINT "CHK_jobs_retry_delay_seconds" CHECK ("retry_delay_seconds" BETWEEN 1 AND 86400)`,
    );
    await queryRunner.query(
      `ALTER TABLE "jobs" ADD CONSTRAINT "CHK_jobs_retry_delay_max_seconds" ` +
        `CHECK ("retry_delay_max_seconds" BETWEEN 1 AND 86400)`,
    );
    await queryRunner.query(`ALTER TABLE "executions" ADD "attempt" integer NOT NULL DEFAULT 1`);
    await queryRunner.query(`ALTER TABLE "executions" ADD "retry_of" uuid`);
    await queryRunner.query(`ALTER TABLE "executions" DROP CONSTRAINT "UQ_executions_job_scheduled"`);
    await queryRunner.query(
      `ALTER TABLE "executions" ADD CONSTRAINT "UQ_executions_job_scheduled" ` +
        `UNIQUE NULLS NOT DISTINCT ("job_id", "scheduled_time", "retry_of")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_executions_retry_attempt" ON "executions" ("retry_of", "attempt") ` +
        `WHERE "retry_of" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_executions_pending_retries" ON "executions" ("scheduled_time") ` +
        `WHERE "state" = 'scheduled' AND "trigger" = 'retry'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_executions_pending_retries"`);
    await queryRunner.query(`DROP INDEX "UQ_executions_retry_attempt"`);
    await queryRunner.query(`DELETE FROM "executions" WHERE "retry_of" IS NOT NULL`);
    await queryRunner.query(`ALTER TABLE "executions" DROP CONSTRAINT "UQ_executions_job_scheduled"`);
    await queryRunner.query(
      `ALTER TABLE "executions" ADD CONSTRAINT "UQ_executions_job_scheduled" UNIQUE ("job_id", "scheduled_time")`,
    );
    await queryRunner.query(`ALTER TABLE "executions" DROP COLUMN "retry_of"`);
    await queryRunner.query(`ALTER TABLE "executions" DROP COLUMN "attempt"`);
    for (const check of ['CHK_jobs_retry_delay_max_seconds', 'CHK_jobs_retry_delay_seconds', 'CHK_jobs_retries']) {
      await queryRunner.query(`ALTER TABLE "jobs" DROP CONSTRAINT "${check}"`);
    }
    for (const column of ['retry_delay_max_seconds', 'retry_backoff', 'retry_delay_seconds', 'retries']) {
      await queryRunner.query(`ALTER TABLE "jobs" DROP COLUMN "${column}"`);
    }
  }
}
