export {
  ACCOUNTS_AUDIENCE,
  ACCOUNTS_ISSUER,
  type AccessTokenSubject,
  type ClaimPaths,
  claimAt,
  createTokenVerifier,
  DEFAULT_CLAIMS,
  hasRole,
  hasScope,
  LEGACY_KEY_ID,
  parseSigningKeys,
  requireViewer,
  signAccessToken,
  type TokenIssuer,
  TokenRefusal,
  type TokenSigningKey,
  type TokenVerification,
  type TokenVerifier,
  type TokenVerifierOptions,
  verifyAccessToken,
  type Viewer,
  viewerFromAuthorization,
  viewerKey,
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
export {
  type TrackedViewer,
  trackViewerReads,
  untrackedViewer,
  VIEWER_DEPENDENCE_EXTENSION,
  VIEWER_DEPENDENCE_HEADER,
  type ViewerDependence,
  viewerClassKey,
  viewerDependenceOf,
} from "./viewerDependence";
