import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Page, PageRequest, SortField, toPage, ValidationError } from '@labwire/core';
import { Actor } from '../audit/actor';
import { changedFields, createdChanges, deletedChanges } from '../audit/audit-changes';
import { AuditService } from '../audit/audit.service';
import { DatasourceNotFoundError } from '../ingestion/ingestion.errors';
import { assertWorkspaceRole, WorkspaceMembership } from '../workspaces/workspace-membership';
import { ApiKeyCipher } from './api-key-cipher';
import { ClassificationResultRepository } from './classification-result.repository';
import { ClassificationScheme, ClassificationSchemeVersion, SchemeDefinition } from './classification-scheme';
import {
  ClassificationSchemeInUseError,
  ClassificationSchemeNotFoundError,
  ClassificationSchemeVersionNotFoundError,
} from './classification.errors';
import {
  ClassificationSchemeRepository,
  SchemeFilter,
  SchemePatch,
  SchemeSortField,
} from './classification-scheme.repository';
import { DefinitionInput, normaliseDefinition, providerOrigin } from './scheme-definition';

export interface SchemeInput extends DefinitionInput {
  name: string;
  description?: string | null;
}

/** The largest PostgreSQL integer. */
const MAX_INT4 = 2_147_483_647;
/** An update: any field left out stays as it is (`labels`, `examples` are replaced whole). */
export type SchemeUpdate = Partial<SchemeInput>;

/** What the audit log keeps of a scheme: its definition, examples counted, never the API key. */
function audited(s: {
  name: string;
  description: string | null;
  definition: SchemeDefinition;
  apiKeySet: boolean;
  version: number;
}) {
  const { examples, ...definition } = s.definition;
  return {
    name: s.name,
    description: s.description,
    ...definition,
    examples: examples.length,
    apiKeySet: s.apiKeySet,
    version: s.version,
  };
}
const AUDITED = [
  'name',
  'description',
  'mode',
  'threshold',
  'labels',
  'examples',
  'provider',
  'training',
  'apiKeySet',
  'version',
] as const;

/**
 * Classification schemes: labels with rules, examples, the provider. Editors write, viewers read.
 * Editing a scheme whose current version a classification job has used makes a new version (the
 * used one stays, frozen, for the results made with it); an unused version is edited in place. The
 * API key is write-only, encrypted, and bound to the endpoint's origin: moving the endpoint to
 * another origin drops it unless a new key comes with the change.
 */
@Injectable()
export class ClassificationSchemeService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schemes: ClassificationSchemeRepository,
    private readonly results: ClassificationResultRepository,
    private readonly cipher: ApiKeyCipher,
    private readonly audit: AuditService,
  ) {}

  async list(
    workspaceId: string,
    filter: SchemeFilter,
    page: PageRequest,
    sort: SortField<SchemeSortField>[],
  ): Promise<Page<ClassificationScheme>> {
    const [items, total] = await this.schemes.listInWorkspace(workspaceId, filter, page, sort);
    return toPage(items, total, page);
  }

  async get(workspaceId: string, id: string): Promise<ClassificationScheme> {
    const scheme = await this.schemes.findInWorkspace(workspaceId, id);
    if (!scheme) throw new ClassificationSchemeNotFoundError(id);
    return scheme;
  }

  async create(membership: WorkspaceMembership, input: SchemeInput, actor: Actor): Promise<ClassificationScheme> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const definition = normaliseDefinition(input);
    const apiKey = input.provider?.apiKey;
    const apiKeyCiphertext = definition.provider.type === 'http' && apiKey ? this.cipher.encrypt(apiKey) : null;
    return this.dataSource.transaction(async (em) => {
      await this.checkDatasources(workspaceId, definition, em);
      const scheme = await this.schemes.insert(
        workspaceId,
        {
          name: input.name.trim(),
          description: input.description?.trim() || null,
          definition,
          apiKeyCiphertext,
          createdBy: actor.userId,
        },
        em,
      );
      await this.audit.record(em, workspaceId, actor, {
        action: 'create',
        entityType: 'classification_scheme',
        entityId: scheme.id,
        changes: createdChanges(audited(scheme), AUDITED),
      });
      return scheme;
    });
  }

  async update(
    membership: WorkspaceMembership,
    id: string,
    update: SchemeUpdate,
    actor: Actor,
  ): Promise<ClassificationScheme> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    const nulls = (['name', 'mode', 'threshold', 'labels', 'examples', 'provider'] as const).filter(
      (key) => update[key] === null,
    );
    if (nulls.length) {
      throw new ValidationError(
        `${nulls.join(', ')} cannot be null`,
        nulls.map((field) => ({ field, message: 'must not be null (leave it out to keep it)' })),
      );
    }
    return this.dataSource.transaction(async (em) => {
      const before = await this.schemes.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new ClassificationSchemeNotFoundError(id);
      const current = before.definition;
      const providerInput =
        update.provider ?? (current.provider.type === 'http' ? current.provider : { type: 'builtin' as const });
      const definition = normaliseDefinition({
        mode: update.mode ?? current.mode,
        threshold: update.threshold ?? current.threshold,
        labels: update.labels ?? current.labels,
        examples: update.examples ?? current.examples,
        provider: providerInput,
        training: update.training === undefined ? current.training : update.training,
      });
      await this.checkDatasources(workspaceId, definition, em);

      // The key: a new one replaces it, null removes it; it stays only with the same http origin.
      let apiKeyCiphertext: string | null | undefined;
      const apiKey = update.provider?.apiKey;
      if (definition.provider.type !== 'http') apiKeyCiphertext = before.apiKeySet ? null : undefined;
      else if (apiKey) apiKeyCiphertext = this.cipher.encrypt(apiKey);
      else if (apiKey === null) apiKeyCiphertext = before.apiKeySet ? null : undefined;
      else if (before.apiKeySet && providerOrigin(definition.provider) !== providerOrigin(current.provider)) {
        apiKeyCiphertext = null;
      }

      const name = update.name != null ? update.name.trim() : before.name;
      const description = update.description !== undefined ? update.description?.trim() || null : before.description;
      const contentChanged =
        Object.keys(
          changedFields(
            { name: before.name, description: before.description, definition: current },
            { name, description, definition },
          ),
        ).length > 0;
      const patch: SchemePatch = {};
      if (contentChanged) {
        Object.assign(patch, { name, description, definition });
        if (before.versionFrozen) patch.version = before.version + 1;
      }
      if (apiKeyCiphertext !== undefined) patch.apiKeyCiphertext = apiKeyCiphertext;
      if (!Object.keys(patch).length && !apiKey) return before;
      await this.schemes.update(workspaceId, id, patch, em);
      const after = (await this.schemes.findInWorkspace(workspaceId, id, em)) as ClassificationScheme;
      const changes = changedFields(audited(before), audited(after));
      if (apiKey) changes.apiKey = { to: '(replaced)' };
      await this.audit.record(em, workspaceId, actor, {
        action: 'update',
        entityType: 'classification_scheme',
        entityId: id,
        changes,
      });
      return after;
    });
  }

  /** Deletes a scheme with its versions and results; refused while one of its jobs is queued or running. */
  async remove(membership: WorkspaceMembership, id: string, actor: Actor): Promise<void> {
    assertWorkspaceRole(membership, 'editor');
    const { workspaceId } = membership;
    await this.dataSource.transaction(async (em) => {
      const before = await this.schemes.lockInWorkspace(workspaceId, id, em);
      if (!before) throw new ClassificationSchemeNotFoundError(id);
      const active = await this.schemes.activeJobIds(workspaceId, id, em);
      if (active.length) throw new ClassificationSchemeInUseError(active);
      await this.results.deleteForScheme(workspaceId, id, em);
      await this.schemes.delete(workspaceId, id, em);
      await this.audit.record(em, workspaceId, actor, {
        action: 'delete',
        entityType: 'classification_scheme',
        entityId: id,
        changes: deletedChanges(audited(before), AUDITED),
      });
    });
  }

  async versions(workspaceId: string, id: string, page: PageRequest): Promise<Page<ClassificationSchemeVersion>> {
    await this.get(workspaceId, id);
    const [items, total] = await this.schemes.listVersions(workspaceId, id, page);
    return toPage(items, total, page);
  }

  async version(workspaceId: string, id: string, version: number): Promise<ClassificationSchemeVersion> {
    await this.get(workspaceId, id);
    // versions count from 1 in an integer column: a number past it names no version (and was a 500 in SQL)
    if (!Number.isInteger(version) || version < 1 || version > MAX_INT4) {
      throw new ClassificationSchemeVersionNotFoundError(id, version);
    }
    const found = await this.schemes.findVersion(workspaceId, id, version);
    if (!found) throw new ClassificationSchemeVersionNotFoundError(id, version);
    return found;
  }

  /** Training data sources must be the workspace's. */
  private async checkDatasources(workspaceId: string, definition: SchemeDefinition, em: EntityManager): Promise<void> {
    const ids = definition.training?.datasourceIds;
    if (!ids?.length) return;
    const missing = await this.schemes.firstMissingDatasource(workspaceId, ids, em);
    if (missing) throw new DatasourceNotFoundError(missing);
  }
}
