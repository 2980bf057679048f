export {
  createTokenVerifier,
  isStaff,
  LEGACY_KEY_ID,
  parseSigningKeys,
  requireViewer,
  type Role,
  signAccessToken,
  type TokenSigningKey,
  type TokenVerification,
  type TokenVerifier,
  verifyAccessToken,
  type Viewer,
  viewerFromAuthorization,
} from "./identity";
export {
  type Caller,
  type CallerIdentity,
  createCallerIdentityVerifier,
  IDENTITY_HEADER,
  type IdentityTrust,
  signCallerIdentity,
  verifyCallerIdentity,
} from "./callerIdentity";
export {
  generateIdentityKeyPair,
  parseSigningKey,
  parseVerifyKeys,
  publicJwkOf,
  type SigningKey,
  type VerifyKeys,
} from "./identityKeys";
export { callSubgraph, type ServiceCall } from "./serviceCall";
export { keyVars } from "./keyVars";
export { accessTokenSection, authSections, identityTrustSection } from "./sections";
