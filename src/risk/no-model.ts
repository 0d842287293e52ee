/**
 * What main.ts wires until src/risk/features and src/risk/model are merged: a feature source that
 * computes nothing and no model. Rules over event fields and lists still decide; the lead swaps
 * these for the real FeatureSource and RiskModel in main.ts (docs/risk.md).
 */
import type { FeatureSource } from './ports.ts';

export function createNoFeatures(): FeatureSource {
  return {
    extract: async () => ({}),
    observe: async () => {},
    label: async () => {},
  };
}
