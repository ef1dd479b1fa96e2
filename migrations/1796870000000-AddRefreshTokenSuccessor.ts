import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reuse grace window: a rotated refresh token keeps its successor, sealed (AES-256-GCM) under a
 * key derived from the rotated token itself, which is stored only as a hash. Presented again within
 * REFRESH_REUSE_GRACE_SECONDS (two tabs refreshing at once, a reload during a refresh), it answers
 * that same successor instead of revoking the session. The database alone cannot open the seal.
 */
export class AddRefreshTokenSuccessor1796870000000 implements MigrationInterface {
  name = 'AddRefreshTokenSuccessor1796870000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refresh_tokens" ADD "successor_sealed" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refresh_tokens" DROP COLUMN "successor_sealed"`);
  }
}
