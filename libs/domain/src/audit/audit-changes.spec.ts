import { changedFields, createdChanges, deletedChanges, effectivePatch } from './audit-changes';

describe('audit changes', () => {
  const before = {
    name: 'Scope',
    notes: null as string | null,
    capabilities: { zoom: 10, modes: ['a', 'b'] } as Record<string, unknown>,
    dueAt: new Date('2027-01-01T00:00:00Z') as Date | null,
  };

  it('lists only the fields whose value really changes, with from and to', () => {
    const changes = changedFields(before, {
      name: 'Scope',
      notes: 'new',
      capabilities: { modes: ['a', 'b'], zoom: 10 },
      dueAt: new Date('2027-01-01T00:00:00.000Z'),
    });
    expect(changes).toEqual({ notes: { from: null, to: 'new' } });
  });

  it('compares dates and nested objects by value and records dates as ISO strings', () => {
    const changes = changedFields(before, { dueAt: null, capabilities: { zoom: 11, modes: ['a', 'b'] } });
    expect(changes).toEqual({
      dueAt: { from: '2027-01-01T00:00:00.000Z', to: null },
      capabilities: { from: { modes: ['a', 'b'], zoom: 10 }, to: { modes: ['a', 'b'], zoom: 11 } },
    });
  });

  it('ignores undefined patch fields', () => {
    expect(changedFields(before, { name: undefined })).toEqual({});
  });

  it('keeps only the changed part of a patch', () => {
    const patch = { name: 'Scope', notes: 'x' };
    expect(effectivePatch(patch, changedFields(before, patch))).toEqual({ notes: 'x' });
  });

  it('describes creations and deletions', () => {
    expect(createdChanges(before, ['name', 'dueAt'])).toEqual({
      name: { to: 'Scope' },
      dueAt: { to: '2027-01-01T00:00:00.000Z' },
    });
    expect(deletedChanges(before, ['notes'])).toEqual({ notes: { from: null } });
  });
});
