import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `classification_results` laid out for bulk writes: keyed by record first (record_id, scheme_id,
 * scheme_version), which also serves the cascade from records, so the separate record index goes; the
 * scheme version is found through an index on (scheme_id, scheme_version) rather than checked by a
 * foreign key on every row (a scheme's results are deleted with it, in the same transaction); the
 * writing job is kept without a foreign key (jobs go only with their workspace); `explanation`, never
 * queried inside, is stored as `json` (kept as written, no conversion on insert).
 */
export class ClassificationResultsLayout1795351000000 implements MigrationInterface {
  name = 'ClassificationResultsLayout1795351000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "classification_results" DROP CONSTRAINT "FK_classification_results_job"`);
    await queryRunner.query(`ALTER TABLE "classification_results" DROP CONSTRAINT "FK_classification_results_version"`);
    await queryRunner.query(`ALTER TABLE "classification_results" DROP CONSTRAINT "PK_classification_results"`);
    await queryRunner.query(`DROP INDEX "IDX_classification_results_record"`);
    await queryRunner.query(
      `ALTER TABLE "classification_results" ADD CONSTRAINT "PK_classification_results" PRIMARY KEY ("record_id", "scheme_id", "scheme_version")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_classification_results_scheme" ON "classification_results" ("scheme_id", "scheme_version")`,
    );
    await queryRunner.query(
      `ALTER TABLE "classification_results" ALTER COLUMN "explanation" TYPE json USING "explanation"::json,
         ALTER COLUMN "explanation" SET DEFAULT '{}'::json`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "classification_results" ALTER COLUMN "explanation" TYPE jsonb USING "explanation"::jsonb,
         ALTER COLUMN "explanation" SET DEFAULT '{}'::jsonb`,
    );
    await queryRunner.query(`DROP INDEX "IDX_classification_results_scheme"`);
    await queryRunner.query(`ALTER TABLE "classification_results" DROP CONSTRAINT "PK_classification_results"`);
    await queryRunner.query(
      `ALTER TABLE "classification_results" ADD CONSTRAINT "PK_classification_results" PRIMARY KEY ("scheme_id", "scheme_version", "record_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_classification_results_record" ON "classification_results" ("record_id")`,
    );
    await queryRunner.query(
      `ALTER TABLE "classification_results" ADD CONSTRAINT "FK_classification_results_version" FOREIGN KEY ("scheme_id", "scheme_version")
         REFERENCES "classification_scheme_versions"("scheme_id", "version") ON DELETE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE "classification_results" ADD CONSTRAINT "FK_classification_results_job" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE SET NULL`,
    );
  }
}
