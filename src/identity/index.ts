export { IDENTITY_ERRORS } from './errors.ts';
export { createIdentity, type Identity, type SessionContext, type User } from './identity.ts';
export { ARGON2ID_PARAMS, hashSecret, verifySecret } from './passwords.ts';
