import { SignJWT } from 'jose';
import type { SecurityConfig } from '../config.ts';

export interface TokenClaims {
  sub: string;
  roles?: string[];
  scope?: string;
  /** Seconds from now; negative makes an already expired token (tests). */
  expiresIn?: number;
  audience?: string;
  issuer?: string;
}

/** An HS256 token signed with `secret`: for demo tokens and tests, never used by the servers themselves. */
export async function mintToken(secret: string, audience: string, claims: TokenClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...(claims.roles ? { roles: claims.roles } : {}), ...(claims.scope ? { scope: claims.scope } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setAudience(claims.audience ?? audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (claims.expiresIn ?? 8 * 3600));
  if (claims.issuer) jwt.setIssuer(claims.issuer);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** One ready-made token per configured role (demo mode, `npm start`); empty without an HS256 secret. */
export async function demoTokens(s: SecurityConfig): Promise<Record<string, string>> {
  if (!s.jwtSecret) return {};
  const out: Record<string, string> = {};
  for (const role of Object.keys(s.roleScopes)) {
    out[role] = await mintToken(s.jwtSecret, s.jwtAudience, { sub: `demo-${role}`, roles: [role], issuer: s.jwtIssuer });
  }
  return out;
}
