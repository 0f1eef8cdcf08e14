import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

export interface VersionBump {
  version: number;
  updatedAt: Date;
}

/**
 * `UPDATE … SET …, version = version + 1, updated_at = now() WHERE id AND workspace_id AND version =
 * expected`, in one statement: of two writers holding the same version only one can match. Returns
 * the new version and time, or null when no row matched (gone, other workspace, or stale version).
 */
export async function versionedUpdate<T extends ObjectLiteral>(
  em: EntityManager,
  target: EntityTarget<T>,
  key: { workspaceId: string; id: string; version: number },
  patch: Partial<T>,
): Promise<VersionBump | null> {
  const result = await em
    .createQueryBuilder()
    .update(target)
    .set(patch)
    .where('id = :id AND workspace_id = :workspaceId AND version = :version', key)
    .returning('version, updated_at AS "updatedAt"')
    .execute();
  return (result.raw as VersionBump[])[0] ?? null;
}
