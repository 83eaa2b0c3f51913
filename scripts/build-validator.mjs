#!/usr/bin/env node
// Writes dist/src/desired/vserver-validator.generated.cjs: the manifest schema's ajv validator as
// code (ajv standalone), so that `validate` does not compile the schema on every run (issue 12).
// src/desired/schema.ts uses it only when it was made from the same schema (digest).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { PRECOMPILED_VALIDATOR, precompiledValidatorSource } = await import(path.join(root, 'dist/src/desired/schema.js'));
writeFileSync(path.join(root, 'dist/src/desired', PRECOMPILED_VALIDATOR), precompiledValidatorSource());
console.error(`wrote dist/src/desired/${PRECOMPILED_VALIDATOR}`);
