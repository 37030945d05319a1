// Loaded first in every test file: importing these before any CJS module that requires them
// avoids jest's "Cannot require() ES Module @nestjs/common in a cycle" (the CJS prometheus module imports Nest while it loads).
import 'reflect-metadata';
import '@nestjs/common';
import '@nestjs/core';

process.env.LOG_LEVEL ??= 'silent';
process.env.OTEL_SDK_DISABLED ??= 'true';
