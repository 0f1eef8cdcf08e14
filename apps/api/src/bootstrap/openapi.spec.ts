import { operationId } from './openapi';

describe('operationId', () => {
  it('is <controller>_<method> in snake case', () => {
    expect(operationId('InstrumentsController', 'list')).toBe('instruments_list');
    expect(operationId('WorkspaceMembersController', 'changeRole')).toBe('workspace_members_change_role');
    expect(operationId('MeController', 'createApiKey')).toBe('me_create_api_key');
  });
});
