import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API tokens for automation: the secret is stored only as its SHA-256 (the unique index is the
 * lookup of every request made with one), with a short non-secret prefix for display. `permissions`
 * null means all of the owner's; revoked rows are kept so a revoked token is told apart from an
 * unknown one. They go with their owner.
 */
export class CreateApiTokens1796850000000 implements MigrationInterface {
  name = 'CreateApiTokens1796850000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "api_tokens" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "name" text NOT NULL,
      "token_hash" text NOT NULL, "prefix" text NOT NULL, "permissions" text array,
      "created_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE,
      "last_used_time" TIMESTAMP WITH TIME ZONE, "revoked_time" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "PK_api_tokens_id" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_api_tokens_token_hash" ON "api_tokens" ("token_hash")`);
    await queryRunner.query(`CREATE INDEX "IDX_api_tokens_user_id" ON "api_tokens" ("user_id")`);
    await queryRunner.query(`ALTER TABLE "api_tokens" ADD CONSTRAINT "FK_api_tokens_user"
      FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "api_tokens"`);
  }
}
