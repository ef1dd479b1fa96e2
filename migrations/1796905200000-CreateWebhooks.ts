import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The execution states that end a run and have a webhook event (`execution.<state>`). */
const TERMINAL = `('succeeded', 'failed', 'timeout', 'missed', 'skipped', 'stopped')`;

/**
 * Webhooks and their delivery queue. The deliveries are enqueued by triggers, in the transaction
 * that wrote the change, whichever instance or code path wrote it: an execution reaching a final
 * state, a job paused, resumed or deleted (a cascaded delete too). One row per matching active
 * webhook, holding a snapshot of the row (plus its owner's username) that the sender turns into
 * the API object at the first attempt; an INSERT wakes every instance's sender with NOTIFY.
 *
 * A webhook matches when it is active, lists the event, covers the job (no `job_id`: all its
 * owner's jobs, or every job when the owner holds the admin role), and its owner is active and
 * may see the event (job_view; execution_view too for execution events; admins always).
 * `secret` is kept as it is: the sender needs it to sign (see docs/security.md).
 */
export class CreateWebhooks1796905200000 implements MigrationInterface {
  name = 'CreateWebhooks1796905200000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "webhooks" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(), "owner_id" uuid NOT NULL, "job_id" uuid,
      "url" text NOT NULL, "events" text array NOT NULL, "secret" text NOT NULL,
      "active" boolean NOT NULL DEFAULT true, "disabled_reason" text,
      "failing_since" TIMESTAMP WITH TIME ZONE,
      "created_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_webhooks_id" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_webhooks_owner_id" ON "webhooks" ("owner_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_webhooks_job_id" ON "webhooks" ("job_id")`);
    await queryRunner.query(`ALTER TABLE "webhooks" ADD CONSTRAINT "FK_webhooks_owner"
      FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await queryRunner.query(`CREATE TABLE "webhook_deliveries" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(), "webhook_id" uuid NOT NULL, "event" text NOT NULL,
      "snapshot" jsonb, "body" text, "status" text NOT NULL DEFAULT 'pending',
      "attempt" integer NOT NULL DEFAULT 0, "round_start_attempt" integer NOT NULL DEFAULT 0,
      "round_started_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "next_attempt_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "response_status" integer, "duration_ms" integer, "error" text,
      "attempts" jsonb NOT NULL DEFAULT '[]',
      "created_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_webhook_deliveries_id" PRIMARY KEY ("id"))`);
    await queryRunner.query(
      `CREATE INDEX "IDX_webhook_deliveries_webhook_created" ON "webhook_deliveries" ("webhook_id", "created_time")`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_webhook_deliveries_due" ON "webhook_deliveries" ("next_attempt_time")
      WHERE "status" = 'pending'`);
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "FK_webhook_deliveries_webhook"
      FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await queryRunner.query(`CREATE FUNCTION "cronwarden_user_may"(user_id uuid, permission text)
      RETURNS boolean LANGUAGE sql STABLE AS $$
        SELECT EXISTS (
          SELECT 1 FROM "user_roles" ur JOIN "roles" r ON r.id = ur.role_id
           WHERE ur.user_id = $1 AND (r.name = 'admin' OR EXISTS (
             SELECT 1 FROM "role_permissions" rp WHERE rp.role_id = r.id AND rp.permission_name = $2)))
      $$`);
    await queryRunner.query(`CREATE FUNCTION "cronwarden_webhook_enqueue"(event_name text, of_job uuid, job_owner uuid, row_snapshot jsonb)
      RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO "webhook_deliveries" ("webhook_id", "event", "snapshot")
        SELECT w.id, event_name, row_snapshot
          FROM "webhooks" w JOIN "users" u ON u.id = w.owner_id AND u.is_active
         WHERE w.active AND event_name = ANY (w.events)
           AND (w.job_id IS NULL OR w.job_id = of_job)
           AND (w.owner_id = job_owner OR EXISTS (
                 SELECT 1 FROM "user_roles" ur JOIN "roles" r ON r.id = ur.role_id
                  WHERE ur.user_id = w.owner_id AND r.name = 'admin'))
           AND "cronwarden_user_may"(w.owner_id, 'job_view')
           AND (event_name NOT LIKE 'execution.%' OR "cronwarden_user_may"(w.owner_id, 'execution_view'));
      END $$`);
    await queryRunner.query(`CREATE FUNCTION "cronwarden_execution_webhooks"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM "cronwarden_webhook_enqueue"('execution.' || NEW.state, NEW.job_id, NEW.owner_id,
          to_jsonb(NEW) || jsonb_build_object('owner_username', (SELECT username FROM "users" WHERE id = NEW.owner_id)));
        RETURN NULL;
      END $$`);
    await queryRunner.query(`CREATE TRIGGER "executions_webhooks_insert" AFTER INSERT ON "executions"
      FOR EACH ROW WHEN (NEW.state IN ${TERMINAL}) EXECUTE FUNCTION "cronwarden_execution_webhooks"()`);
    await queryRunner.query(`CREATE TRIGGER "executions_webhooks_state" AFTER UPDATE OF "state" ON "executions"
      FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state AND NEW.state IN ${TERMINAL})
      EXECUTE FUNCTION "cronwarden_execution_webhooks"()`);
    await queryRunner.query(`CREATE FUNCTION "cronwarden_job_webhooks"() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        job_row jobs;
        event_name text;
      BEGIN
        IF TG_OP = 'DELETE' THEN
          job_row := OLD;
          event_name := 'job.deleted';
        ELSE
          job_row := NEW;
          event_name := CASE WHEN NEW.paused THEN 'job.paused' ELSE 'job.resumed' END;
        END IF;
        PERFORM "cronwarden_webhook_enqueue"(event_name, job_row.id, job_row.owner_id,
          to_jsonb(job_row) || jsonb_build_object('owner_username', (SELECT username FROM "users" WHERE id = job_row.owner_id)));
        RETURN NULL;
      END $$`);
    await queryRunner.query(`CREATE TRIGGER "jobs_webhooks_delete" AFTER DELETE ON "jobs"
      FOR EACH ROW EXECUTE FUNCTION "cronwarden_job_webhooks"()`);
    await queryRunner.query(`CREATE TRIGGER "jobs_webhooks_pause" AFTER UPDATE OF "paused" ON "jobs"
      FOR EACH ROW WHEN (OLD.paused IS DISTINCT FROM NEW.paused) EXECUTE FUNCTION "cronwarden_job_webhooks"()`);
    // The payload is not empty: the listener (JobSync) drops empty notifications.
    await queryRunner.query(`CREATE FUNCTION "cronwarden_webhook_wake"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('cronwarden_webhooks', 'due');
        RETURN NULL;
      END $$`);
    await queryRunner.query(`CREATE TRIGGER "webhook_deliveries_wake" AFTER INSERT ON "webhook_deliveries"
      FOR EACH STATEMENT EXECUTE FUNCTION "cronwarden_webhook_wake"()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "webhook_deliveries_wake" ON "webhook_deliveries"`);
    await queryRunner.query(`DROP FUNCTION "cronwarden_webhook_wake"()`);
    await queryRunner.query(`DROP TRIGGER "jobs_webhooks_pause" ON "jobs"`);
    await queryRunner.query(`DROP TRIGGER "jobs_webhooks_delete" ON "jobs"`);
    await queryRunner.query(`DROP FUNCTION "cronwarden_job_webhooks"()`);
    await queryRunner.query(`DROP TRIGGER "executions_webhooks_state" ON "executions"`);
    await queryRunner.query(`DROP TRIGGER "executions_webhooks_insert" ON "executions"`);
    await queryRunner.query(`DROP FUNCTION "cronwarden_execution_webhooks"()`);
    await queryRunner.query(`DROP FUNCTION "cronwarden_webhook_enqueue"(text, uuid, uuid, jsonb)`);
    await queryRunner.query(`DROP FUNCTION "cronwarden_user_may"(uuid, text)`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP TABLE "webhooks"`);
  }
}
