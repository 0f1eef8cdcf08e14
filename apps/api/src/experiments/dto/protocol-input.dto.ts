import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { PROTOCOL_LIMITS } from '@labwire/domain';
import { IsNotBlank } from '../../common/dto/not-blank.decorator';

const STEPS_DESCRIPTION =
  'Ordered steps, each an object with a `kind`:\n' +
  '- `command`: `{role, command, params?, timeoutSeconds? (60), onFailure? abort|continue|retry (abort), retries? (2)}`; ' +
  'strings in params may hold `${parameter}` placeholders\n' +
  '- `wait`: `{durationSeconds}`\n' +
  "- `record`: `{durationSeconds}`: the assigned instruments' telemetry meanwhile is the step's data\n" +
  '- `waitFor`: `{role, metric, comparison (< <= > >= == !=), value, timeoutSeconds, onTimeout? abort|continue (abort)}`\n' +
  '- `mark`: `{label, note?}`\n' +
  'Every step may have a `name`. Durations are seconds (fractions allowed), at most 86400 each.';

/** A protocol as a client writes it; the definition is validated in full by the domain (field errors). */
export class CreateProtocolDto {
  @ApiProperty({ maxLength: 200, example: 'Heat and hold' })
  @IsString()
  @IsNotBlank()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional({
    default: true,
    description: 'false: experiments may run on instruments that are not qualified',
  })
  @IsOptional()
  @IsBoolean()
  requireQualified?: boolean;

  @ApiProperty({
    description: 'Named instrument slots: `{name, description?, type?, capabilities?: string[]}`',
    type: 'array',
    items: { type: 'object' },
    example: [{ name: 'heater', type: 'thermostat' }],
  })
  @IsArray()
  @ArrayMaxSize(PROTOCOL_LIMITS.roles)
  @IsObject({ each: true })
  roles!: Array<Record<string, unknown>>;

  @ApiPropertyOptional({
    description: 'Typed parameters: `{name, type: number|integer|string|boolean, default?, min?, max?, description?}`',
    type: 'array',
    items: { type: 'object' },
    example: [{ name: 'target', type: 'number', default: 37, min: 20, max: 90 }],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(PROTOCOL_LIMITS.parameters)
  @IsObject({ each: true })
  parameters?: Array<Record<string, unknown>>;

  @ApiProperty({
    description: STEPS_DESCRIPTION,
    type: 'array',
    items: { type: 'object' },
    example: [
      { kind: 'command', role: 'heater', command: 'set-temperature', params: { celsius: '${target}' } },
      { kind: 'waitFor', role: 'heater', metric: 'temperature', comparison: '>=', value: 36.5, timeoutSeconds: 600 },
      { kind: 'record', durationSeconds: 60 },
      { kind: 'mark', label: 'held' },
    ],
  })
  @IsArray()
  @ArrayMaxSize(PROTOCOL_LIMITS.steps)
  @IsObject({ each: true })
  steps!: Array<Record<string, unknown>>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Sent when a running experiment is aborted: `{role, command, params?}`',
    example: { role: 'heater', command: 'stop' },
  })
  @IsOptional()
  @IsObject()
  abortCommand?: Record<string, unknown> | null;
}

/** Fields left out stay; roles, parameters and steps are replaced whole. */
export class UpdateProtocolDto extends PartialType(CreateProtocolDto) {}
