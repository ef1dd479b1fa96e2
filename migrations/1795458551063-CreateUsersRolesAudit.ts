import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The 13 permissions and 3 seeded roles exactly as API.md lists them (a snapshot: later changes are new migrations). */
const PERMISSIONS: Array<[string, string]> = [
  ['job_create', 'Create jobs'],
  ['job_delete', 'Delete jobs'],
  ['job_modify', 'Change jobs'],
  ['job_pause', 'Pause jobs'],
  ['job_resume', 'Resume paused jobs'],
  ['job_run', 'Run a job now, and stop running executions'],
  ['job_view', 'See jobs and the job-class catalogue'],
  ['execution_view', 'See executions'],
  ['audit_view', 'See audit logs'],
  ['user_manage', 'Create, change, disable and delete users, and set their roles'],
  ['role_manage', 'Create, change and delete roles'],
  ['code_execute', 'Create or change jobs whose class runs arbitrary code (ShellJob, ScriptJob) and upload scripts'],
  ['view_all', "See (read-only) every user's jobs, executions and audit logs"],
];

const ROLES: Array<[string, string, string[]]> = [
  ['admin', "Every permission; may also act on any user's jobs", PERMISSIONS.map(([name]) => name)],
  [
    'job_manager',
    'Creates and runs their own jobs',
    ['job_create', 'job_modify', 'job_pause', 'job_resume', 'job_run', 'job_view', 'execution_view', 'audit_view'],
  ],
  ['viewer', 'Sees their own jobs, executions and audit logs', ['job_view', 'execution_view', 'audit_view']],
];

export class CreateUsersRolesAudit1795458551063 implements MigrationInterface {
  name = 'CreateUsersRolesAudit1795458551063';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "permissions" (
      "name" text NOT NULL, "description" text NOT NULL,
      CONSTRAINT "PK_permissions_name" PRIMARY KEY ("name"))`);
    await queryRunner.query(`CREATE TABLE "roles" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "description" text NOT NULL DEFAULT '',
      "created_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_roles_id" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_roles_name" ON "roles" ("name")`);
    await queryRunner.query(`CREATE TABLE "role_permissions" (
      "role_id" uuid NOT NULL, "permission_name" text NOT NULL,
      CONSTRAINT "PK_role_permissions" PRIMARY KEY ("role_id", "permission_name"))`);
    await queryRunner.query(`CREATE INDEX "IDX_178199805b901ccd220ab7740e" ON "role_permissions" ("role_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_127b8ca4f6dac693657f5bb602" ON "role_permissions" ("permission_name")`);
    await queryRunner.query(`CREATE TABLE "users" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(), "username" text NOT NULL, "email" text,
      "password_hash" text NOT NULL, "is_active" boolean NOT NULL DEFAULT true,
      "token_version" integer NOT NULL DEFAULT 0,
      "created_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "last_login" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "PK_users_id" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_users_username_lower" ON "users" (lower("username"))`);
    await queryRunner.query(`CREATE TABLE "user_roles" (
      "user_id" uuid NOT NULL, "role_id" uuid NOT NULL,
      CONSTRAINT "PK_user_roles" PRIMARY KEY ("user_id", "role_id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_87b8888186ca9769c960e92687" ON "user_roles" ("user_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_b23c65e50a758245a33ee35fda" ON "user_roles" ("role_id")`);
    await queryRunner.query(`ALTER TABLE "role_permissions" ADD CONSTRAINT "FK_role_permissions_role"
      FOREIGN KEY ("role_id") REFERENCES "roles"("id") ON DELETE CASCADE ON UPDATE CASCADE`);
    await queryRunner.query(`ALTER TABLE "role_permissions" ADD CONSTRAINT "FK_role_permissions_permission"
      FOREIGN KEY ("permission_name") REFERENCES "permissions"("name") ON DELETE CASCADE ON UPDATE CASCADE`);
    await queryRunner.query(`ALTER TABLE "user_roles" ADD CONSTRAINT "FK_user_roles_user"
      FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE`);
    await queryRunner.query(`ALTER TABLE "user_roles" ADD CONSTRAINT "FK_user_roles_role"
      FOREIGN KEY ("role_id") REFERENCES "roles"("id") ON DELETE CASCADE ON UPDATE CASCADE`);

    await queryRunner.query(`CREATE TABLE "revoked_tokens" (
      "jti" uuid NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      CONSTRAINT "PK_revoked_tokens_jti" PRIMARY KEY ("jti"))`);
    await queryRunner.query(`CREATE INDEX "IDX_revoked_tokens_expires_at" ON "revoked_tokens" ("expires_at")`);
    await queryRunner.query(`CREATE TABLE "login_failures" (
      "key" text NOT NULL, "failures" integer NOT NULL, "pending" integer NOT NULL DEFAULT 0,
      "window_started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "locked_until" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "PK_login_failures_key" PRIMARY KEY ("key"))`);

    await queryRunner.query(`CREATE TABLE "audit_logs" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(), "job_id" uuid, "job_name" text, "event" text NOT NULL,
      "user" text NOT NULL, "user_id" uuid, "owner_id" uuid,
      "created_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "description" text NOT NULL DEFAULT '',
      CONSTRAINT "PK_audit_logs_id" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_audit_logs_job_id" ON "audit_logs" ("job_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_audit_logs_owner_created" ON "audit_logs" ("owner_id", "created_time")`);
    await queryRunner.query(`CREATE INDEX "IDX_audit_logs_created" ON "audit_logs" ("created_time")`);
    await queryRunner.query(`ALTER TABLE "audit_logs" ADD CONSTRAINT "FK_audit_logs_user"
      FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "audit_logs" ADD CONSTRAINT "FK_audit_logs_owner"
      FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);

    for (const [name, description] of PERMISSIONS) {
      await queryRunner.query(`INSERT INTO "permissions" ("name", "description") VALUES ($1, $2)`, [name, description]);
    }
    for (const [name, description, permissions] of ROLES) {
      const rows = (await queryRunner.query(
        `INSERT INTO "roles" ("name", "description") VALUES ($1, $2) RETURNING "id"`,
        [name, description],
      )) as Array<{ id: string }>;
      await queryRunner.query(
        `INSERT INTO "role_permissions" ("role_id", "permission_name") SELECT $1, unnest($2::text[])`,
        [rows[0].id, permissions],
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_logs"`);
    await queryRunner.query(`DROP TABLE "login_failures"`);
    await queryRunner.query(`DROP TABLE "revoked_tokens"`);
    await queryRunner.query(`DROP TABLE "user_roles"`);
    await queryRunner.query(`DROP TABLE "users"`);
    await queryRunner.query(`DROP TABLE "role_permissions"`);
    await queryRunner.query(`DROP TABLE "roles"`);
    await queryRunner.query(`DROP TABLE "permissions"`);
  }
}
