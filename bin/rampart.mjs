#!/usr/bin/env node
// The `rampart` command. Node 20 cannot run TypeScript itself, so tsx's loader is registered
// first and the CLI is imported from source: one code path for `npm start`, tests and operators.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
