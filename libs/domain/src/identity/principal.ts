import { PlatformRole } from './user.entity';

/** Who is calling: a signed-in user (with a session) or a user's API key. */
export interface Principal {
  userId: string;
  role: PlatformRole;
  /** the login session (access tokens); absent for API keys */
  sessionId?: string;
  /** set when the call was authenticated with an API key */
  apiKeyId?: string;
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
