import { ApiProperty } from '@nestjs/swagger';
import { IngestedRecord } from '@labwire/domain';

export class RecordDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  datasourceId!: string;

  @ApiProperty({
    example: 14,
    description:
      'Where it is in its source. CSV: the line the row starts on (the header is line 1); NDJSON, text, URL ' +
      'lists: the line; text by paragraph: its first line; JSON: the item index from 0; PDF: the page',
  })
  position!: number;

  @ApiProperty({ example: 'Buffer pH drifted to 7.9 after 2 h' })
  text!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'CSV: the other columns; JSON: the other fields; PDF: page; URLs: url, finalUrl, status, contentType, bytes',
    example: { sample: 'S-104', operator: 'kim' },
  })
  metadata!: Record<string, unknown>;

  @ApiProperty({ description: 'SHA-256 of the text (hex)' })
  contentHash!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static from(r: IngestedRecord): RecordDto {
    return {
      id: r.id,
      datasourceId: r.datasourceId,
      position: r.position,
      text: r.text,
      metadata: r.metadata,
      contentHash: r.contentHash,
      createdAt: r.createdAt.toISOString(),
    };
  }
}
