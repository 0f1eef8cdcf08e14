import { WorkspaceRole } from '../workspaces/workspace-member.entity';
import { PlatformRole } from './user.entity';

/** Who is calling: a signed-in user (with a session) or a user's API key. */
export interface Principal {
  userId: string;
  role: PlatformRole;
  /** the login session (access tokens); absent for API keys */
  sessionId?: string;
  /** set when the call was authenticated with an API key */
  apiKeyId?: string;
  /**
   * The caller's role in the workspace the request addresses, read in the same query that checked
   * the credentials (null: not a member). Saves the workspace guard a round trip on every request.
   */
  workspaceAccess?: { workspaceId: string; role: WorkspaceRole | null };
}

export interface AccessTokenClaims {
  sub: string;
  sid: string;
  typ: 'access';
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** seconds until the access token expires */
  expiresIn: number;
}
