// The risk module (issue 5). Features and model half: online features over sliding windows
// (memory and Redis state), the gradient-boosted trees, their artefacts, and the evaluation.

export type { BacktestReport } from './backtest.ts';
export { DEFAULT_THRESHOLDS, type Decision, type RiskThresholds } from './decide.ts';
export {
  DEFAULT_FEATURE_RULES,
  DEFAULT_RULE_SET,
  DEFAULT_RULE_SET_REVISION,
  defaultRuleSetFor,
} from './default-rule-set.ts';
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
export {
  type DayRange,
  type EvalResult,
  HANDBOOK_FEATURE_NAMES,
  parseDay,
  paymentEvent,
  replay,
  scoreTestWindow,
  trainOnRows,
} from './eval/evaluate.ts';
export { averagePrecision, cardPrecisionAtK, recallAtFpr, rocAuc } from './eval/metrics.ts';
export { CsvFormatError, fileLines, transactionRows } from './eval/transactions-csv.ts';
export {
  MEMORY_STATE_DEFAULTS,
  MemoryFeatureState,
  type MemoryStateLimits,
} from './features/memory-state.ts';
export { DETAIL_KEYS, FEATURE_NAMES, haversineKm, OnlineFeatureSource } from './features/online-features.ts';
export { type RecordedStep, rebuildDays, rebuildFeatures } from './features/rebuild.ts';
export { RedisFeatureState, type RedisStateOptions } from './features/redis-state.ts';
export type { FeatureState, StateLimits } from './features/state.ts';
export { type SyntheticStep, syntheticEvents } from './features/synthetic-events.ts';
export {
  loadCurrentModel,
  loadModelFile,
  type Manifest,
  MODEL_ERRORS,
  ModelRegistry,
  type ReloadOutcome,
  readManifest,
  saveModel,
  sha256Hex,
} from './model/model-store.ts';
export { GBDT_DEFAULTS, type GbdtParams, trainGbdt } from './model/train-gbdt.ts';
export {
  type ModelJson,
  ModelSchemaError,
  sigmoid,
  TreeModel,
  validateModelJson,
} from './model/tree-model.ts';
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
export * from './ports.ts';
export { RISK_EVENT_KINDS } from './ports.ts';
export {
  REBUILD_PAGE_ROWS,
  REBUILD_ROWS_MAX,
  type RebuildReport,
  rebuildFeaturesFromDecisions,
  recordedEvent,
} from './rebuild-from-decisions.ts';
export {
  type ArithmeticOperatorSyntax,
  COMPARISON_OPERATORS,
  EXPRESSION_CHARS_MAX,
  EXPRESSION_DEPTH_MAX,
  EXPRESSION_FALSE_WHEN,
  EXPRESSION_SYNTAX,
} from './rule-expression.ts';
export {
  CONDITION_DEPTH_MAX,
  type Condition,
  EVENT_FIELDS,
  expressionVocabulary,
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
