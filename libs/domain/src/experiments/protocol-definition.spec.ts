import { ValidationError } from '@labwire/core';
import { normaliseProtocolDefinition, resolveParameters, substitute } from './protocol-definition';

const fieldsOf = (input: unknown): string[] => {
  try {
    normaliseProtocolDefinition(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return ((err as ValidationError).errors ?? []).map((e) => e.field);
  }
  throw new Error('the definition was accepted');
};

describe('protocol definitions', () => {
  const roles = [{ name: 'heater', type: 'thermostat' }];

  it('fills in defaults', () => {
    const d = normaliseProtocolDefinition({
      roles,
      steps: [
        { kind: 'command', role: 'heater', command: 'on' },
        { kind: 'command', role: 'heater', command: 'x', onFailure: 'retry' },
        { kind: 'waitFor', role: 'heater', metric: 't', comparison: '>', value: 1, timeoutSeconds: 5 },
      ],
    });
    expect(d).toMatchObject({ requireQualified: true, parameters: [], abortCommand: null });
    expect(d.steps[0]).toMatchObject({ params: {}, timeoutSeconds: 60, onFailure: 'abort' });
    expect(d.steps[1]).toMatchObject({ onFailure: 'retry', retries: 2 });
    expect(d.steps[2]).toMatchObject({ onTimeout: 'abort' });
  });

  it('names the field of every problem', () => {
    expect(fieldsOf({ roles: [], steps: [] })).toEqual(['roles', 'steps']);
    expect(fieldsOf({ roles, steps: [{ kind: 'wait', durationSeconds: -1 }, { kind: 'fly' }] })).toEqual([
      'steps[0].durationSeconds',
      'steps[1].kind',
    ]);
    expect(
      fieldsOf({
        roles: [...roles, { name: 'heater' }],
        parameters: [
          { name: 'n', type: 'integer', min: 5, max: 1, default: 1.5 },
          { name: 's', type: 'string', min: 1 },
        ],
        steps: [
          { kind: 'command', role: 'cooler', command: 'x', params: { a: ['${nope}'] }, retries: 3 },
          { kind: 'waitFor', role: 'ghost', metric: 'm', comparison: '<', value: 1, timeoutSeconds: 1 },
        ],
        abortCommand: { role: 'ghost', command: 'stop' },
      }),
    ).toEqual([
      'roles[1].name',
      'parameters[0].max',
      'parameters[0].default',
      'parameters[1].min',
      'steps[0].role',
      'steps[0].params',
      'steps[0].retries',
      'steps[1].role',
      'abortCommand.role',
    ]);
  });

  it('bounds the time a protocol may take', () => {
    const wait = { kind: 'wait', durationSeconds: 86_400 };
    expect(fieldsOf({ roles, steps: Array.from({ length: 7 }, () => wait) })).toEqual(['steps']);
    expect(fieldsOf({ roles, steps: [{ ...wait, durationSeconds: 86_401 }] })).toEqual(['steps[0].durationSeconds']);
  });

  it('resolves parameter values over defaults, refusing unknown, missing and out-of-bounds ones', () => {
    const d = normaliseProtocolDefinition({
      roles,
      parameters: [
        { name: 'target', type: 'number', default: 37, min: 0, max: 100 },
        { name: 'label', type: 'string' },
      ],
      steps: [{ kind: 'mark', label: 'x' }],
    });
    expect(resolveParameters(d, { label: 'a' })).toEqual({ target: 37, label: 'a' });
    try {
      resolveParameters(d, { target: 101, extra: 1 });
      throw new Error('accepted');
    } catch (err) {
      expect((err as ValidationError).errors).toEqual([
        { field: 'parameters.extra', message: 'is not a parameter of the protocol' },
        { field: 'parameters.target', message: 'must be at most 100' },
        { field: 'parameters.label', message: 'is required (the protocol gives no default)' },
      ]);
    }
  });

  it('substitutes ${parameter}: a whole placeholder keeps the value type, text gets it written in', () => {
    expect(substitute({ c: '${t}', s: 'at ${t} C', n: ['${u}'], k: '${unknown}' }, { t: 37, u: true })).toEqual({
      c: 37,
      s: 'at 37 C',
      n: [true],
      k: '${unknown}',
    });
  });
});
