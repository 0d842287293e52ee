export { IDENTITY_ERRORS } from './errors.ts';
export { type Identity, type SessionContext, type User, createIdentity } from './identity.ts';
export { ARGON2ID_PARAMS, hashSecret, verifySecret } from './passwords.ts';
