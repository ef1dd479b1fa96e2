import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateScriptsAndInstances1795465232643 implements MigrationInterface {
  name = 'CreateScriptsAndInstances1795465232643';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "scripts" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "source" text NOT NULL,
      "sha256" text NOT NULL, "size" integer NOT NULL, "owner_id" uuid NOT NULL,
      "created_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_scripts_id" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_scripts_owner_id" ON "scripts" ("owner_id")`);
    await queryRunner.query(`ALTER TABLE "scripts" ADD CONSTRAINT "FK_scripts_owner"
      FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);

    await queryRunner.query(`CREATE TABLE "instances" (
      "id" text NOT NULL, "hostname" text NOT NULL, "pid" integer NOT NULL, "version" text NOT NULL DEFAULT '',
      "started_time" TIMESTAMP WITH TIME ZONE NOT NULL, "heartbeat_time" TIMESTAMP WITH TIME ZONE NOT NULL,
      "stopped_time" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "PK_instances_id" PRIMARY KEY ("id"))`);

    // MAX_RUNNING_PER_USER counts a user's running executions at every claim.
    await queryRunner.query(
      `CREATE INDEX "IDX_executions_running_owner" ON "executions" ("owner_id") WHERE "state" = 'running'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_executions_running_owner"`);
    await queryRunner.query(`DROP TABLE "instances"`);
    await queryRunner.query(`DROP TABLE "scripts"`);
  }
}
