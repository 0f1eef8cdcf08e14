import { ApiProperty } from '@nestjs/swagger';
import { Protocol, ProtocolVersion } from '@labwire/domain';

/** A frozen version of a protocol, as experiments that used it ran it. */
export class ProtocolVersionDto {
  @ApiProperty({ format: 'uuid' })
  protocolId!: string;

  @ApiProperty()
  version!: number;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({
    description: 'requireQualified, roles, parameters, steps (defaults filled in), abortCommand',
    type: 'object',
    additionalProperties: true,
  })
  definition!: Record<string, unknown>;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static fromVersion(v: ProtocolVersion): ProtocolVersionDto {
    return {
      protocolId: v.protocolId,
      version: v.version,
      name: v.name,
      description: v.description,
      definition: v.definition as unknown as Record<string, unknown>,
      createdAt: new Date(v.createdAt).toISOString(),
    };
  }
}

export class ProtocolDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({
    description: 'requireQualified, roles, parameters, steps (defaults filled in), abortCommand',
    type: 'object',
    additionalProperties: true,
  })
  definition!: Record<string, unknown>;

  @ApiProperty({ description: 'the current version; experiments keep the version they were made with' })
  version!: number;

  @ApiProperty({ description: 'an experiment uses the current version: the next change makes a new one' })
  versionFrozen!: boolean;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  createdBy!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static fromProtocol(p: Protocol): ProtocolDto {
    return {
      id: p.id,
      name: p.name,
      description: p.description,
      definition: p.definition as unknown as Record<string, unknown>,
      version: p.version,
      versionFrozen: p.versionFrozen,
      createdBy: p.createdBy,
      createdAt: new Date(p.createdAt).toISOString(),
      updatedAt: new Date(p.updatedAt).toISOString(),
    };
  }
}
