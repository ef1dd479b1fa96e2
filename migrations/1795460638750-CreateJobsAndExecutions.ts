import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateJobsAndExecutions1795460638750 implements MigrationInterface {
  name = 'CreateJobsAndExecutions1795460638750';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "jobs" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "job_class_string" text NOT NULL,
      "pub_args" jsonb NOT NULL DEFAULT '[]',
      "second" text NOT NULL DEFAULT '0', "minute" text NOT NULL DEFAULT '*', "hour" text NOT NULL DEFAULT '*',
      "day" text NOT NULL DEFAULT '*', "month" text NOT NULL DEFAULT '*', "day_of_week" text NOT NULL DEFAULT '*',
      "timezone" text NOT NULL, "paused" boolean NOT NULL DEFAULT false,
      "next_run_time" TIMESTAMP WITH TIME ZONE,
      "max_instances" integer NOT NULL DEFAULT 3, "timeout_seconds" integer NOT NULL,
      "misfire_grace_seconds" integer NOT NULL DEFAULT 3600, "coalesce" boolean NOT NULL DEFAULT true,
      "owner_id" uuid NOT NULL,
      "created_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_jobs_id" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_jobs_next_run_time" ON "jobs" ("next_run_time")`);
    await queryRunner.query(`CREATE INDEX "IDX_jobs_owner_id" ON "jobs" ("owner_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_jobs_owner_name" ON "jobs" ("owner_id", "name", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_jobs_name" ON "jobs" ("name", "id")`);
    await queryRunner.query(`ALTER TABLE "jobs" ADD CONSTRAINT "FK_jobs_owner"
      FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);

    await queryRunner.query(`CREATE TABLE "executions" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(), "job_id" uuid NOT NULL,
      "job_name" text NOT NULL, "job_class_string" text NOT NULL, "owner_id" uuid,
      "state" text NOT NULL, "trigger" text NOT NULL,
      "scheduled_time" TIMESTAMP WITH TIME ZONE NOT NULL,
      "started_time" TIMESTAMP WITH TIME ZONE, "finished_time" TIMESTAMP WITH TIME ZONE,
      "updated_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "hostname" text, "pid" integer, "instance_id" text,
      "description" text NOT NULL DEFAULT '', "result" text,
      CONSTRAINT "UQ_executions_job_scheduled" UNIQUE ("job_id", "scheduled_time"),
      CONSTRAINT "PK_executions_id" PRIMARY KEY ("id"))`);
    await queryRunner.query(
      `CREATE INDEX "IDX_executions_owner_scheduled" ON "executions" ("owner_id", "scheduled_time")`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_executions_scheduled" ON "executions" ("scheduled_time")`);
    await queryRunner.query(
      `CREATE INDEX "IDX_executions_running" ON "executions" ("job_id") WHERE "state" = 'running'`,
    );
    await queryRunner.query(`ALTER TABLE "executions" ADD CONSTRAINT "FK_executions_owner"
      FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "executions"`);
    await queryRunner.query(`DROP TABLE "jobs"`);
  }
}
