import { ApiProperty } from '@nestjs/swagger';
import { Location } from '@labwire/domain';

export class LocationDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  workspaceId!: string;

  @ApiProperty({ example: 'Building 2, room 114' })
  name!: string;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Free-form site details: building, room, bench, address' })
  address!: string | null;

  @ApiProperty({ description: 'Increases on every change; also the ETag', example: 1 })
  version!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(l: Location): LocationDto {
    return {
      id: l.id,
      workspaceId: l.workspaceId,
      name: l.name,
      description: l.description,
      address: l.address,
      version: l.version,
      createdAt: l.createdAt.toISOString(),
      updatedAt: l.updatedAt.toISOString(),
    };
  }
}
