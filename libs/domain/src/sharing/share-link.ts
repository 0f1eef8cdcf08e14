/** What a share link grants access to. */
export const SHARE_LINK_KINDS = ['workspace', 'datasource', 'classification_scheme', 'classification_job'] as const;
export type ShareLinkKind = (typeof SHARE_LINK_KINDS)[number];

/** `view`: read-only; `import`: may also be imported into a workspace where the holder is an editor. */
export const SHARE_LINK_PERMISSIONS = ['view', 'import'] as const;
export type ShareLinkPermission = (typeof SHARE_LINK_PERMISSIONS)[number];

export type ShareLinkStatus = 'active' | 'expired' | 'revoked' | 'used_up';

/** The longest a link may live. */
export const SHARE_LINK_MAX_DAYS = 90;

/** A share link as its workspace's members see it (never its token, which is shown once). */
export interface ShareLink {
  id: string;
  workspaceId: string;
  kind: ShareLinkKind;
  /** the shared data source, scheme or job (null for a workspace link) */
  targetId: string | null;
  permission: ShareLinkPermission;
  /** the token's first characters, to tell links apart */
  tokenPrefix: string;
  expiresAt: Date;
  maxUses: number | null;
  uses: number;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  status: ShareLinkStatus;
  createdBy: string | null;
  createdAt: Date;
}
