export { DEMO_CREDIT_LINE, DEMO_MERCHANT, DEMO_USERS, type DemoUser } from './demo-data.ts';
export { type DemoSeedReport, seedDemo } from './seed-demo.ts';
