import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The seeded `job_manager` role also holds `job_delete` (as ndscheduler users expect: who creates a
 * job may delete it). Only the role named job_manager changes; custom roles keep their permissions.
 * Idempotent: a job_manager that already holds job_delete (given by an admin) is left as it is.
 * Reverting takes job_delete from job_manager again, whoever had granted it.
 */
export class GrantJobDeleteToJobManager1796602973449 implements MigrationInterface {
  name = 'GrantJobDeleteToJobManager1796602973449';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `INSERT INTO "role_permissions" ("role_id", "permission_name")
       SELECT "id", 'job_delete' FROM "roles" WHERE "name" = 'job_manager'
       ON CONFLICT DO NOTHING`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DELETE FROM "role_permissions"
       WHERE "permission_name" = 'job_delete' AND "role_id" IN (SELECT "id" FROM "roles" WHERE "name" = 'job_manager')`,
    );
  }
}
