/**
 * Pure crypto of the open API (docs/gateway.md, /work/shared/reference/alipay-openapi.md):
 * the v2 sign string, RSA2 verification, the signed response envelope, notification signing,
 * the v3 Authorization header and response signature, and sealing the platform's private keys.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  createSign,
  createVerify,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import { assert } from '../shared/index.ts';

/** `k=v&…` over the keys sorted by plain code-unit order (JS sort), raw values, nothing dropped. */
export function signContent(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join('&');
}

export function rsaSign(
  content: string,
  privateKeyPem: string,
  algorithm: 'RSA-SHA256' | 'RSA-SHA1' = 'RSA-SHA256',
): string {
  return createSign(algorithm).update(content, 'utf8').sign(privateKeyPem, 'base64');
}

/** false for any malformed key or signature: the caller answers invalid-signature. */
export function rsaVerify(
  content: string,
  signatureBase64: string,
  publicKeyPem: string,
  algorithm: 'RSA-SHA256' | 'RSA-SHA1' = 'RSA-SHA256',
): boolean {
  try {
    return createVerify(algorithm).update(content, 'utf8').verify(publicKeyPem, signatureBase64, 'base64');
  } catch {
    return false;
  }
}

/**
 * The v2 response: `{"<method>_response":<inner>,"sign":"<sig>"}`, the signature over the exact
 * inner bytes, the response key first and sign last (the SDK cuts the signed text out by
 * position, so nothing may be re-serialised after signing).
 */
export function signedEnvelope(
  responseKey: string,
  inner: Record<string, unknown>,
  privateKeyPem: string,
): string {
  const innerText = JSON.stringify(inner);
  const sign = rsaSign(innerText, privateKeyPem);
  return `{${JSON.stringify(responseKey)}:${innerText},"sign":${JSON.stringify(sign)}}`;
}

/** Notifications and return_url redirects: all fields but sign and sign_type, sorted, RSA2. */
export function signNotification(fields: Readonly<Record<string, string>>, privateKeyPem: string): string {
  const { sign: _sign, sign_type: _signType, ...rest } = fields;
  return rsaSign(signContent(rest), privateKeyPem);
}

/** A return_url with the fields and their signature (signNotification) added to its query: the
 *  browser redirect after a page flow, which the merchant verifies with checkNotifySignV2. */
export function signedReturnUrl(
  returnUrl: string,
  fields: Readonly<Record<string, string>>,
  privateKeyPem: string,
): string {
  const sign = signNotification(fields, privateKeyPem);
  const url = new URL(returnUrl);
  for (const [key, value] of Object.entries({ ...fields, sign })) url.searchParams.set(key, value);
  return url.toString();
}

/** A fresh RSA-2048 key pair: SPKI and PKCS#8 PEM. */
export function generateRsaKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

/**
 * A merchant's uploaded key as SPKI PEM, or undefined when it is not an RSA key of at least 2048
 * bits. Accepts PEM (SPKI or PKCS#1) or the bare base64 body Alipay's console shows.
 */
export function normalizeMerchantPublicKey(text: string): string | undefined {
  const trimmed = text.trim();
  const candidates = trimmed.includes('-----BEGIN')
    ? [trimmed]
    : [
        `-----BEGIN PUBLIC KEY-----\n${wrap64(trimmed)}\n-----END PUBLIC KEY-----`,
        `-----BEGIN RSA PUBLIC KEY-----\n${wrap64(trimmed)}\n-----END RSA PUBLIC KEY-----`,
      ];
  for (const pem of candidates) {
    try {
      const key = createPublicKey(pem);
      if (key.asymmetricKeyType !== 'rsa') continue;
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < 2048) continue;
      return key.export({ type: 'spki', format: 'pem' }).toString();
    } catch {}
  }
  return undefined;
}

function wrap64(base64: string): string {
  return (base64.replace(/\s+/g, '').match(/.{1,64}/g) ?? []).join('\n');
}

/** The bare base64 body of a PEM (what merchants paste into `alipayPublicKey`). */
export function pemBody(pem: string): string {
  return pem
    .replace(/-----[A-Z ]+-----/g, '')
    .replace(/\s+/g, '')
    .trim();
}

/** The key that seals the platform's private keys at rest, derived from the master key. */
export function deriveGatewaySealingKey(masterKey: Buffer): Buffer {
  assert(masterKey.length >= 32, 'the master key has at least 256 bits');
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'rampart gateway key sealing v1', 32));
}

/** AES-256-GCM; `v1.<iv>.<tag>.<ciphertext>` base64url; the key id is the associated data. */
export function sealPrivateKey(sealingKey: Buffer, keyId: string, privateKeyPem: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey, iv);
  cipher.setAAD(Buffer.from(keyId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(privateKeyPem, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ciphertext]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function openSealedPrivateKey(sealingKey: Buffer, keyId: string, sealed: string): string {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  assert(version === 'v1' && iv && tag && ciphertext, 'a sealed key has four parts');
  const decipher = createDecipheriv('aes-256-gcm', sealingKey, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(keyId, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
    'utf8',
  );
}

/** v3: the parsed Authorization header, or undefined when it is not ALIPAY-SHA256withRSA. */
export function parseV3Authorization(
  header: string,
): { authString: string; sign: string; fields: Record<string, string> } | undefined {
  const scheme = 'ALIPAY-SHA256withRSA ';
  if (!header.startsWith(scheme)) return undefined;
  const rest = header.slice(scheme.length);
  const at = rest.lastIndexOf(',sign=');
  if (at <= 0) return undefined;
  const authString = rest.slice(0, at);
  const sign = rest.slice(at + ',sign='.length);
  const fields: Record<string, string> = {};
  for (const part of authString.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    fields[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return { authString, sign, fields };
}

/** v3 request sign string: authString \n METHOD \n target \n body \n [appAuthToken \n]. */
export function v3RequestSignString(input: {
  authString: string;
  method: string;
  target: string;
  body: string;
  appAuthToken?: string | undefined;
}): string {
  return `${input.authString}\n${input.method}\n${input.target}\n${input.body}\n${input.appAuthToken ? `${input.appAuthToken}\n` : ''}`;
}

/** v3 response signature: ts \n nonce \n body \n. */
export function v3ResponseSignString(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}
