import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refresh tokens of browser sessions: stored as SHA-256, one row per rotation, grouped in a family
 * (one sign-in). `used_time` marks a rotated token: presenting it again revokes the family.
 * `token_version` is the user's when the family began: a password change or disabling bumps the
 * user's version and so ends every family of theirs.
 */
export class CreateRefreshTokens1796860000000 implements MigrationInterface {
  name = 'CreateRefreshTokens1796860000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "refresh_tokens" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "family_id" uuid NOT NULL,
      "token_hash" text NOT NULL, "token_version" integer NOT NULL,
      "created_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "used_time" TIMESTAMP WITH TIME ZONE, "revoked_time" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "PK_refresh_tokens_id" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_refresh_tokens_token_hash" ON "refresh_tokens" ("token_hash")`);
    await queryRunner.query(`CREATE INDEX "IDX_refresh_tokens_family_id" ON "refresh_tokens" ("family_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_refresh_tokens_user_id" ON "refresh_tokens" ("user_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_refresh_tokens_expires_at" ON "refresh_tokens" ("expires_at")`);
    await queryRunner.query(`ALTER TABLE "refresh_tokens" ADD CONSTRAINT "FK_refresh_tokens_user"
      FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "refresh_tokens"`);
  }
}
