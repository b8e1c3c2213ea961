#!/usr/bin/env node
// Entry point of the `mmdo` CLI: registers the TypeScript loader, then runs the CLI.
import { register } from 'tsx/esm/api';

process.env.ORT_DISABLE_TELEMETRY ??= '1';
register();
await import('./mmdo.ts');
