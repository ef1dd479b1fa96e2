import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `cronwarden_owned_jobs(owner, exclusive)`: takes the owner's job-creation lock (an advisory lock to
 * the end of the transaction, exclusive or shared), then counts the owner's jobs in a query of its own.
 * A VOLATILE function's queries each take a new snapshot, so the count sees every job committed by
 * whoever held the lock before, even when the function is called inside the statement that inserts
 * the job: a create is one statement (MAX_JOBS_PER_USER checked in it), not a transaction of four.
 */
export class AddOwnedJobsFunction1796940000000 implements MigrationInterface {
  name = 'AddOwnedJobsFunction1796940000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE FUNCTION "cronwarden_owned_jobs"(owner uuid, exclusive boolean)
      RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        IF exclusive THEN
          PERFORM pg_advisory_xact_lock(hashtext('jobs-of:' || owner::text));
        ELSE
          PERFORM pg_advisory_xact_lock_shared(hashtext('jobs-of:' || owner::text));
        END IF;
        RETURN (SELECT count(*) FROM jobs WHERE owner_id = owner);
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION "cronwarden_owned_jobs"(uuid, boolean)`);
  }
}
