export {
  createJobs,
  JOB_INTERVAL_MIN_MS,
  JOB_LEASE_MIN_MS,
  type JobDefinition,
  type JobLogger,
  type JobMode,
  type Jobs,
  type JobsDeps,
} from './jobs.ts';
