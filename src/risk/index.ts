export type { BacktestReport } from './backtest.ts';
export { DEFAULT_THRESHOLDS, type Decision, type RiskThresholds } from './decide.ts';
export { DEFAULT_RULE_SET } from './default-rule-set.ts';
export {
  createRiskEngine,
  DEFAULT_FAIL_MODE,
  type FailMode,
  type RiskEngine,
  type RiskEngineConfig,
  type RiskEngineDeps,
  type RiskLog,
  type RiskOutcome,
  type RiskResult,
  RULES_RELOAD_CHECK_MS,
} from './engine.ts';
export { RISK_ERRORS } from './errors.ts';
export { createNoFeatures } from './no-model.ts';
export type {
  FeatureContribution,
  FeatureSource,
  FeatureVector,
  ModelScore,
  RiskEvent,
  RiskEventKind,
  RiskModel,
} from './ports.ts';
export { RISK_EVENT_KINDS } from './ports.ts';
export {
  CONDITION_DEPTH_MAX,
  type Condition,
  EVENT_FIELDS,
  OPERATORS,
  RULE_OUTCOMES,
  RULES_PER_SET_MAX,
  type Rule,
  type RuleHit,
  type RuleSetBody,
  type RuleSetError,
  validateRuleSet,
} from './rule-set.ts';
export {
  LIST_KINDS,
  LIST_SUBJECTS,
  type ListEntry,
  type ListKind,
  type ListSubject,
  type StoredRuleSet,
} from './rule-store.ts';
