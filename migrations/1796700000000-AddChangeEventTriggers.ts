import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Change events for the live stream (`GET /api/v1/events`): triggers announce, with NOTIFY in the
 * writing transaction, every execution created or changing state and every job added, changed,
 * paused, resumed or deleted, whichever code path wrote it (claims, run now, finishes, stops, the
 * instance sweeper, suspensions). A payload carries ids only (well under NOTIFY's 8000 bytes);
 * listeners load the rows. `event_ids` numbers the events, the same on every instance.
 * A job's `next_run_time` moving on after a fire (and `updated_time` alone) is not a change.
 */
export class AddChangeEventTriggers1796700000000 implements MigrationInterface {
  name = 'AddChangeEventTriggers1796700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SEQUENCE "event_ids" AS bigint`);
    await queryRunner.query(`CREATE FUNCTION "cronwarden_execution_event"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('cronwarden_events', json_build_object(
          'i', nextval('event_ids'), 'k', 'e', 'x', NEW.id, 'j', NEW.job_id, 'o', NEW.owner_id, 's', NEW.state)::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`CREATE TRIGGER "executions_event_insert" AFTER INSERT ON "executions"
      FOR EACH ROW EXECUTE FUNCTION "cronwarden_execution_event"()`);
    await queryRunner.query(`CREATE TRIGGER "executions_event_state" AFTER UPDATE OF "state" ON "executions"
      FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION "cronwarden_execution_event"()`);
    await queryRunner.query(`CREATE FUNCTION "cronwarden_job_event"() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        change text;
        job_row jobs;
      BEGIN
        IF TG_OP = 'DELETE' THEN
          job_row := OLD;
          change := 'deleted';
        ELSE
          job_row := NEW;
          IF TG_OP = 'INSERT' THEN
            change := 'added';
          ELSIF OLD.paused IS DISTINCT FROM NEW.paused THEN
            change := CASE WHEN NEW.paused THEN 'paused' ELSE 'resumed' END;
          ELSE
            change := 'modified';
          END IF;
          -- Given to another owner: gone for the one it had.
          IF TG_OP = 'UPDATE' AND OLD.owner_id IS DISTINCT FROM NEW.owner_id THEN
            PERFORM pg_notify('cronwarden_events', json_build_object(
              'i', nextval('event_ids'), 'k', 'j', 'j', OLD.id, 'o', OLD.owner_id, 'c', 'deleted')::text);
          END IF;
        END IF;
        PERFORM pg_notify('cronwarden_events', json_build_object(
          'i', nextval('event_ids'), 'k', 'j', 'j', job_row.id, 'o', job_row.owner_id, 'c', change)::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`CREATE TRIGGER "jobs_event_insert_delete" AFTER INSERT OR DELETE ON "jobs"
      FOR EACH ROW EXECUTE FUNCTION "cronwarden_job_event"()`);
    await queryRunner.query(`CREATE TRIGGER "jobs_event_update" AFTER UPDATE ON "jobs"
      FOR EACH ROW WHEN ((to_jsonb(OLD) - 'next_run_time' - 'updated_time') IS DISTINCT FROM (to_jsonb(NEW) - 'next_run_time' - 'updated_time'))
      EXECUTE FUNCTION "cronwarden_job_event"()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "jobs_event_update" ON "jobs"`);
    await queryRunner.query(`DROP TRIGGER "jobs_event_insert_delete" ON "jobs"`);
    await queryRunner.query(`DROP FUNCTION "cronwarden_job_event"()`);
    await queryRunner.query(`DROP TRIGGER "executions_event_state" ON "executions"`);
    await queryRunner.query(`DROP TRIGGER "executions_event_insert" ON "executions"`);
    await queryRunner.query(`DROP FUNCTION "cronwarden_execution_event"()`);
    await queryRunner.query(`DROP SEQUENCE "event_ids"`);
  }
}
