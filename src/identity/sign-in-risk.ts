/**
 * When a correct password is not enough: a pure decision over what the store knows about past
 * sign-ins. A new device, a country never signed in from, or a speed since the last sign-in that
 * no airliner reaches means a second factor (and an alert once the sign-in completes).
 */
export const IMPOSSIBLE_SPEED_KMH = 900; // an airliner's cruising speed
/** Locations closer than this are the same place whatever the time: geo-IP is coarse. */
export const TRAVEL_NOISE_KM = 300;
const EARTH_RADIUS_KM = 6371;

/** `risk_engine`: issue 5's engine asked for a second factor. */
export type ChallengeReason =
  | 'new_device'
  | 'new_country'
  | 'impossible_travel'
  | 'two_factor_enabled'
  | 'risk_engine';

export interface SignInRiskInput {
  readonly knownDevice: boolean;
  readonly country: string | null;
  /** Countries of this user's earlier successful sign-ins. */
  readonly knownCountries: readonly string[];
  readonly location: { lat: number; lon: number } | null;
  readonly lastSignIn: { lat: number; lon: number; atMs: number } | null;
  readonly nowMs: number;
  readonly twoFactorEnabled: boolean;
}

export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function assessSignInRisk(input: SignInRiskInput): ChallengeReason[] {
  const reasons: ChallengeReason[] = [];
  if (!input.knownDevice) reasons.push('new_device');
  if (input.country && input.knownCountries.length > 0 && !input.knownCountries.includes(input.country)) {
    reasons.push('new_country');
  }
  if (input.location && input.lastSignIn) {
    const km = distanceKm(input.location, input.lastSignIn);
    const hours = Math.max(input.nowMs - input.lastSignIn.atMs, 1) / 3_600_000;
    if (km > TRAVEL_NOISE_KM && km / hours > IMPOSSIBLE_SPEED_KMH) reasons.push('impossible_travel');
  }
  if (input.twoFactorEnabled) reasons.push('two_factor_enabled');
  return reasons;
}
