import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateNested, validate } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { fieldErrors } from './validation-messages';

class Inner {
  @IsString()
  @MaxLength(5)
  label!: string;
}

class Body {
  @IsString()
  @MaxLength(10)
  name!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => Inner)
  items?: Inner[];
}

async function errorsOf(plain: Record<string, unknown>) {
  const errors = await validate(plainToInstance(Body, plain), {
    whitelist: true,
    forbidNonWhitelisted: true,
    validationError: { target: false, value: true },
  });
  return fieldErrors(errors);
}

describe('fieldErrors', () => {
  it('says a missing field is required, once', async () => {
    expect(await errorsOf({})).toEqual([{ field: 'name', message: 'name is required' }]);
  });

  it('names the expected type and the kind of value that came, without the value', async () => {
    expect(await errorsOf({ name: 'ok', limit: '5' })).toEqual([
      { field: 'limit', message: 'limit must be an integer (got a string)' },
    ]);
    expect(await errorsOf({ name: 'ok', limit: 1.5 })).toEqual([
      { field: 'limit', message: 'limit must be an integer (got a fractional number)' },
    ]);
    expect(await errorsOf({ name: { secret: 'x' } })).toEqual([
      { field: 'name', message: 'name must be a string (got an object)' },
    ]);
  });

  it('gives the one broken constraint of a value of the right type', async () => {
    expect(await errorsOf({ name: 'ok', limit: 1e20 })).toEqual([
      { field: 'limit', message: 'limit must not be greater than 100' },
    ]);
  });

  it('names nested fields by path and unknown fields as such', async () => {
    expect(await errorsOf({ name: 'ok', items: [{ label: 'toolong' }], role: 'admin' })).toEqual([
      { field: 'role', message: 'role is not a field of this request; remove it' },
      { field: 'items[0].label', message: 'items[0].label must be shorter than or equal to 5 characters' },
    ]);
  });
});
