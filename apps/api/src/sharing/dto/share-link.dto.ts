import { ApiProperty } from '@nestjs/swagger';
import {
  SHARE_LINK_KINDS,
  SHARE_LINK_PERMISSIONS,
  ShareLink,
  ShareLinkKind,
  ShareLinkPermission,
  ShareLinkStatus,
} from '@labwire/domain';

const STATUSES: ShareLinkStatus[] = ['active', 'expired', 'revoked', 'used_up'];

export class ShareLinkDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: SHARE_LINK_KINDS, enumName: 'ShareLinkKind' })
  kind!: ShareLinkKind;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  targetId!: string | null;

  @ApiProperty({ enum: SHARE_LINK_PERMISSIONS, enumName: 'ShareLinkPermission' })
  permission!: ShareLinkPermission;

  @ApiProperty({ description: "The token's first characters", example: 'lwsh_3q2Xk9' })
  tokenPrefix!: string;

  @ApiProperty({ enum: STATUSES })
  status!: ShareLinkStatus;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;

  @ApiProperty({ type: Number, nullable: true })
  maxUses!: number | null;

  @ApiProperty({ description: 'Requests served so far (each shared read and each import)' })
  uses!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastUsedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  createdBy!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static from(l: ShareLink): ShareLinkDto {
    const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
    return {
      id: l.id,
      kind: l.kind,
      targetId: l.targetId,
      permission: l.permission,
      tokenPrefix: l.tokenPrefix,
      status: l.status,
      expiresAt: iso(l.expiresAt) as string,
      maxUses: l.maxUses,
      uses: l.uses,
      lastUsedAt: iso(l.lastUsedAt),
      revokedAt: iso(l.revokedAt),
      createdBy: l.createdBy,
      createdAt: iso(l.createdAt) as string,
    };
  }
}

export class CreatedShareLinkDto extends ShareLinkDto {
  @ApiProperty({ description: 'The token: shown this once, only its hash is kept', example: 'lwsh_3q2Xk9…' })
  token!: string;

  @ApiProperty({
    description: 'Where the shared item is read without an account',
    example: '/api/v1/shared/lwsh_3q2Xk9…',
  })
  url!: string;
}

/** What a token grants, as GET /shared/{token} tells it (no workspace member, no secret). */
export class SharedItemDto {
  @ApiProperty({ enum: SHARE_LINK_KINDS, enumName: 'ShareLinkKind' })
  kind!: ShareLinkKind;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  targetId!: string | null;

  @ApiProperty({ enum: SHARE_LINK_PERMISSIONS, enumName: 'ShareLinkPermission' })
  permission!: ShareLinkPermission;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;

  @ApiProperty({ description: 'The shared workspace (workspace links) or item name', example: 'Samples 2026' })
  name!: string;
}
