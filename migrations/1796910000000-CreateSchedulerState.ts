import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The scheduler switch (issue 15): one row every instance reads. `paused` stops every instance from
 * starting fires; `paused_by_*` / `paused_time` say who paused it and when (the username is kept as
 * it was, like an audit row's, so a deleted user still shows). `start_paused_holds` lists the
 * instances started with SCHEDULER_START_PAUSED=true that wait for an admin's resume, which empties it.
 */
export class CreateSchedulerState1796910000000 implements MigrationInterface {
  name = 'CreateSchedulerState1796910000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "scheduler_state" (
      "id" smallint NOT NULL DEFAULT 1, "paused" boolean NOT NULL DEFAULT false,
      "paused_by_id" uuid, "paused_by_username" text, "paused_time" TIMESTAMP WITH TIME ZONE,
      "resumed_time" TIMESTAMP WITH TIME ZONE, "start_paused_holds" text array NOT NULL DEFAULT '{}',
      CONSTRAINT "CHK_scheduler_state_one_row" CHECK ("id" = 1),
      CONSTRAINT "PK_scheduler_state_id" PRIMARY KEY ("id"))`);
    await queryRunner.query(`INSERT INTO "scheduler_state" ("id") VALUES (1)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "scheduler_state"`);
  }
}
