import { ValidationError } from '../errors';
import { parseSort, toPage } from './pagination';

describe('pagination', () => {
  it('parses sort lists against allowed fields', () => {
    expect(parseSort('name,-createdAt', ['name', 'createdAt'] as const, [])).toEqual([
      { field: 'name', direction: 'ASC' },
      { field: 'createdAt', direction: 'DESC' },
    ]);
    expect(parseSort(undefined, ['name'] as const, [{ field: 'name', direction: 'DESC' }])).toEqual([
      { field: 'name', direction: 'DESC' },
    ]);
    expect(() => parseSort('password', ['name'] as const, [])).toThrow(ValidationError);
  });

  it('computes totals', () => {
    expect(toPage([1, 2], 101, { page: 2, pageSize: 50 })).toEqual({
      items: [1, 2],
      total: 101,
      page: 2,
      pageSize: 50,
      totalPages: 3,
    });
    expect(toPage([], 0, { page: 1, pageSize: 50 }).totalPages).toBe(0);
  });
});
