#!/usr/bin/env node
// Entry point of the `tidings` command: registers tsx so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';

// The SDK warns on every run that its releases from 2027 need Node 22; the CLI targets Node 20 and up.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { endQuietlyOnClosedPipe } = await import('./closed-pipe.ts');
endQuietlyOnClosedPipe();
const { main } = await import('./main.ts');
process.exit(await main(process.argv.slice(2)));
