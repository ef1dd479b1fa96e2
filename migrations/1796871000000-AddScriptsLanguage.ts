import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Scripts in Python beside JavaScript: each script says its language; existing scripts are JavaScript. */
export class AddScriptsLanguage1796871000000 implements MigrationInterface {
  name = 'AddScriptsLanguage1796871000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "scripts" ADD "language" text NOT NULL DEFAULT 'javascript'`);
    await queryRunner.query(
      `ALTER TABLE "scripts" ADD CONSTRAINT "CHK_scripts_language" CHECK ("language" IN ('javascript', 'python'))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "scripts" DROP CONSTRAINT "CHK_scripts_language"`);
    await queryRunner.query(`ALTER TABLE "scripts" DROP COLUMN "language"`);
  }
}
