import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { FILE_DATASOURCE_TYPES, FileDatasourceType } from '@labwire/domain';
import { CSV_DELIMITERS, TEXT_SPLITS, TextSplit } from '@labwire/providers';

/** A data source sent as JSON: a list of URLs to fetch, or a block of text. */
export class CreateDatasourceDto {
  @ApiProperty({ enum: ['urls', 'text'] })
  @IsIn(['urls', 'text'])
  type!: 'urls' | 'text';

  @ApiPropertyOptional({
    type: [String],
    description: 'type=urls: http(s) URLs, each fetched into one record (at most INGEST_MAX_URLS)',
    example: ['https://example.org/protocols/buffer-prep.txt'],
  })
  @ValidateIf((o: CreateDatasourceDto) => o.type === 'urls' || o.urls !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @IsString({ each: true })
  urls?: string[];

  @ApiPropertyOptional({ description: 'type=text: the text, split into records by line or paragraph' })
  @ValidateIf((o: CreateDatasourceDto) => o.type === 'text' || o.text !== undefined)
  @IsString()
  @MinLength(1)
  text?: string;

  @ApiPropertyOptional({
    enum: TEXT_SPLITS,
    default: 'line',
    description: 'type=text: one record per line or per paragraph',
  })
  @IsOptional()
  @IsIn(TEXT_SPLITS)
  split?: TextSplit;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  name?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A classification scheme to run on the records once ingested' })
  @IsOptional()
  @IsUUID()
  classifySchemeId?: string;
}

/** The form fields of a multipart upload (before the file part). */
export class UploadFieldsDto {
  @ApiPropertyOptional({
    enum: FILE_DATASOURCE_TYPES,
    description: 'What the file is; else its extension or media type says, else its content',
  })
  @IsOptional()
  @IsIn(FILE_DATASOURCE_TYPES)
  type?: FileDatasourceType;

  @ApiPropertyOptional({ maxLength: 500, description: 'Default: the file name' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  name?: string;

  @ApiPropertyOptional({
    description: 'CSV: the column holding the text (default: a column named "text", else all values)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  textColumn?: string;

  @ApiPropertyOptional({ description: 'JSON, NDJSON: the field holding the text (default "text")' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  textField?: string;

  @ApiPropertyOptional({ enum: TEXT_SPLITS, default: 'line' })
  @IsOptional()
  @IsIn(TEXT_SPLITS)
  split?: TextSplit;

  @ApiPropertyOptional({ enum: CSV_DELIMITERS, description: 'CSV: the delimiter (default: detected among , ; tab |)' })
  @IsOptional()
  @IsIn(CSV_DELIMITERS)
  delimiter?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  classifySchemeId?: string;
}
