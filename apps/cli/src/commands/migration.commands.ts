import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '@labwire/core';
import { ensureDatabase, migrationStatus, pendingSchemaChanges } from '@labwire/database';
import { createDomainDataSource } from '@labwire/domain';
import { withDataSource } from '../with-data-source';

function toClassName(name: string, timestamp: number): string {
  const pascal = name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
  return `${pascal}${timestamp}`;
}

function renderMigration(className: string, up: string[], down: string[]): string {
  const q = (s: string) => '    await queryRunner.query(`' + s.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`);';
  return `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${up.map(q).join('\n')}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${down.map(q).join('\n')}
  }
}
`;
}

export function registerMigrationCommands(program: Command): void {
  program
    .command('migration:run')
    .description('create the database if missing and apply pending migrations')
    .action(async () => {
      const config = loadConfig();
      if (await ensureDatabase(config.database.url)) console.log('created database');
      await withDataSource(config, async (ds) => {
        const applied = await ds.runMigrations({ transaction: 'each' });
        console.log(applied.length ? `applied: ${applied.map((m) => m.name).join(', ')}` : 'no pending migrations');
      });
    });

  program
    .command('migration:revert')
    .description('revert the last applied migration')
    .action(async () => {
      await withDataSource(loadConfig(), async (ds) => {
        const { applied } = await migrationStatus(ds);
        // TypeORM's undo does nothing, silently, when nothing was applied: say so instead of "reverted".
        if (!applied.length) {
          console.log('no migration to revert: none is applied');
          return;
        }
        await ds.undoLastMigration({ transaction: 'each' });
        console.log(`reverted ${applied[applied.length - 1].name}`);
      });
    });

  program
    .command('migration:generate')
    .argument('<name>', 'what the migration does, e.g. add-instrument-tags')
    .option('--check', 'only report whether entities and database differ (exit 1 when they do)')
    .description('write a migration from the difference between entities and the migrated database')
    .action(async (name: string, opts: { check?: boolean }) => {
      const config = loadConfig();
      const ds = createDomainDataSource(config, 'labwire-cli');
      await ds.initialize();
      try {
        const { up, down } = await pendingSchemaChanges(ds);
        if (!up.length) {
          console.log('entities and database agree: nothing to generate');
          return;
        }
        if (opts.check) {
          console.log(up.join(';\n'));
          process.exitCode = 1;
          return;
        }
        const timestamp = Date.now();
        const className = toClassName(name, timestamp);
        const file = join(process.cwd(), 'migrations', `${timestamp}-${name}.ts`);
        writeFileSync(file, renderMigration(className, up, down.reverse()));
        console.log(`wrote ${file}: add ${className} to migrations/index.ts`);
      } finally {
        await ds.destroy();
      }
    });
}
