#!/usr/bin/env node
// A standalone OpenAI-compatible upstream for benchmarks (the same fake the tests use).
// Usage: node bench/fake-upstream.mjs <port> <tokens> <ttftMs> <interTokenMs>
import { startFakeUpstream } from '@tokenscope/testing';

const [port, tokens, ttftMs, interTokenMs] = process.argv.slice(2).map(Number);
const upstream = await startFakeUpstream({ tokens, ttftMs, interTokenMs }, port);
process.stdout.write(`ready ${upstream.url}\n`);
process.on('SIGTERM', () => void upstream.close().then(() => process.exit(0)));
